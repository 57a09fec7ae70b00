// Writing a results file to whatever path the user names, never replacing what is there with
// something of another kind (a device node, a link, a pipe):
//   a plain file, new or old:  a temporary file in the same folder, flushed, then renamed over it,
//                              so the file is whole or untouched; an old file keeps its mode
//   a symlink:                 the same, at the file it leads to (even when that does not exist
//                              yet); the link stays a link
//   standard output or error:  /dev/stdout, /proc/self/fd/1 or any path to the same file as
//                              descriptor 1 (or 2): written to that descriptor (a rename would
//                              cut the shell's redirect)
//   a character device, FIFO:  opened and written straight (a FIFO waits for its reader)
//   a UNIX socket:             connected and written straight
//   a folder, a block device:  refused
// Every write and the close are checked; an error is one message naming the path and the reason.
#pragma once
#include <optional>
#include <string>

namespace bench_switch {

struct OutputPath {
  enum class Kind { replace, stream, socket, descriptor };
  Kind kind = Kind::replace;
  int fd = -1;         // for `descriptor`: 1 or 2
  std::string path;    // as the user gave it, for messages
  std::string target;  // what is written: the resolved file for `replace`, else `path`
};

// Decided before anything is measured, so that a minute of measuring never ends in "cannot
// write". Nothing, with `error` set ("cannot write PATH: reason"), when the path cannot take it.
std::optional<OutputPath> resolve_output(const std::string& path, std::string& error);

// Writes `text` whole. "" on success, else "cannot write PATH: reason"; no temporary file is left.
std::string write_output(const OutputPath& out, const std::string& text);

}  // namespace bench_switch
