"""Writing a file to whatever path the user names, as bench_switch does (src/output_file.hpp).

Nothing at the path is ever replaced by something of another kind:
- a plain file, new or old: a temporary file in the same folder, then a rename (whole or untouched);
  an old file keeps its mode;
- a symlink: the same at the file it leads to (even one that does not exist yet); the link stays;
- standard output or error (/dev/stdout, or any path to the same file): written to that descriptor;
- a character device or a FIFO: written straight; a UNIX socket: connected and written straight;
- a folder or a block device: refused.
Every failure is an OSError whose strerror says why; callers print one line and exit non-zero.
"""
import errno
import os
import socket
import stat
import sys
import tempfile


def is_standard_output(path):
    """True when `path` is the file behind descriptor 1: what else would be printed there goes elsewhere."""
    try:
        return os.path.samestat(os.stat(path), os.fstat(1))
    except OSError:
        return False


def write_output(path, data):
    """Write `data` (str, or bytes for PNG and the like) to `path` whole, whatever `path` is.
    An error that names no file (a full disk, say) is raised naming `path`."""
    try:
        _write_output(path, data)
    except OSError as e:
        if e.filename is None or os.path.basename(str(e.filename)).startswith(".tmp-"):
            raise OSError(e.errno, e.strerror or str(e), path) from None
        raise


def check_writable(path):
    """Raise OSError, as write_output would, unless `path` can take a write; before any measuring.
    For a file to be replaced it makes the calls the write makes: a temporary file created in the
    folder and renamed there; and the rule a rename over another user's file meets in a sticky
    folder (/tmp), which no probe may try on the file itself."""
    if not path:
        raise OSError(errno.ENOENT, "an empty path", path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is not None:
        if any(_same_as_descriptor(st, fd) for fd in (1, 2)):
            return
        if stat.S_ISDIR(st.st_mode):
            raise OSError(errno.EISDIR, "it is a folder", path)
        if stat.S_ISBLK(st.st_mode):
            raise OSError(errno.EPERM, "it is a block device, which results must not overwrite", path)
        if not stat.S_ISREG(st.st_mode):
            return  # a device, FIFO or socket is written straight, when the results are ready
    target = _follow_links(path)
    folder = os.path.dirname(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    except OSError as e:
        raise OSError(e.errno, e.strerror, path) from None
    os.close(fd)
    try:
        os.rename(tmp, tmp + "-renamed")
        tmp += "-renamed"
    except OSError as e:
        raise OSError(e.errno, e.strerror, path) from None
    finally:
        os.unlink(tmp)
    _check_sticky(folder, target, path)


def _same_as_descriptor(st, fd):
    try:
        return os.path.samestat(st, os.fstat(fd))
    except OSError:
        return False


def _check_sticky(folder, target, path):
    """A sticky folder lets only the file's owner, the folder's or root replace a file."""
    try:
        dir_st, old = os.stat(folder), os.lstat(target)
    except FileNotFoundError:
        return
    uid = os.geteuid()
    if dir_st.st_mode & stat.S_ISVTX and uid not in (0, dir_st.st_uid, old.st_uid):
        raise OSError(errno.EPERM, f"it belongs to user {old.st_uid} in a sticky folder, and only they may replace it",
                      path)


def _write_output(path, data):
    payload = data if isinstance(data, (bytes, bytearray)) else data.encode("utf-8")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is not None:
        for fd in (1, 2):
            try:
                if os.path.samestat(st, os.fstat(fd)):
                    sys.stdout.flush() if fd == 1 else sys.stderr.flush()
                    return _write_all(fd, payload)
            except OSError:
                pass
        if stat.S_ISDIR(st.st_mode):
            raise OSError(errno.EISDIR, "it is a folder", path)
        if stat.S_ISBLK(st.st_mode):
            raise OSError(errno.EPERM, "it is a block device, which results must not overwrite", path)
        if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
            return _write_stream(os.open(path, os.O_WRONLY | os.O_CLOEXEC | os.O_NOCTTY), payload)
        if stat.S_ISSOCK(st.st_mode):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(os.fspath(path))
            except OSError:
                sock.close()
                raise
            return _write_stream(sock.detach(), payload)
    _replace(_follow_links(path), payload, st)


def _follow_links(path):
    """The file a chain of symlinks leads to, by name (the last may not exist yet)."""
    p = os.path.abspath(path)
    for _ in range(40):
        if not os.path.islink(p):
            return os.path.normpath(p)
        p = os.path.join(os.path.dirname(p), os.readlink(p))
    raise OSError(errno.ELOOP, "a symlink that cannot be followed", path)


def _replace(target, payload, old):
    folder = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        _write_all(fd, payload)
        os.fsync(fd)
        # An old file keeps its permissions; a new one gets what open() would give (mkstemp: 0600).
        os.fchmod(fd, stat.S_IMODE(old.st_mode) if old is not None else 0o666 & ~_umask())
        os.close(fd)
        fd = -1
        os.replace(tmp, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        os.unlink(tmp)
        raise


def _write_stream(fd, payload):
    try:
        _write_all(fd, payload)
    finally:
        os.close(fd)


def _write_all(fd, payload):
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
