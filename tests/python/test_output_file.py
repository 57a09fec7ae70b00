"""Tests of scripts/output_file.py, through which every script writes: nothing at a path is ever
replaced by something of another kind, and every failure is one OSError that the scripts turn into
one line and a non-zero exit. Destructive cases run on a tmpfs the test mounts (root only)."""
import os
import pathlib
import socket
import stat
import subprocess
import sys
import threading

import pytest

import output_file
import plot

ROOT = os.geteuid() == 0


def entries(folder):
    return sorted(p.name for p in pathlib.Path(folder).iterdir())


def test_a_new_file_is_written_whole_and_an_old_one_keeps_its_mode(tmp_path):
    target = tmp_path / "r.json"
    output_file.write_output(target, "{}\n")
    assert target.read_text() == "{}\n"
    target.chmod(0o640)
    output_file.write_output(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert entries(tmp_path) == ["r.json"]


def test_a_symlink_stays_a_link_and_its_target_is_written(tmp_path):
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "r.json").write_text("old")
    (tmp_path / "link.json").symlink_to("kept/r.json")
    (tmp_path / "dangling.json").symlink_to("kept/later.json")
    output_file.write_output(tmp_path / "link.json", "new")
    output_file.write_output(tmp_path / "dangling.json", "later")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "dangling.json").is_symlink()
    assert (tmp_path / "kept" / "r.json").read_text() == "new"
    assert (tmp_path / "kept" / "later.json").read_text() == "later"
    assert entries(tmp_path / "kept") == ["later.json", "r.json"]


def test_a_fifo_and_a_socket_are_written_straight(tmp_path):
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    got = {}
    reader = threading.Thread(target=lambda: got.setdefault("fifo", fifo.read_text()))
    reader.start()
    try:
        output_file.write_output(fifo, "through the fifo")
    finally:
        if reader.is_alive() and "fifo" not in got:   # a failed write must not leave the reader blocked
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    reader.join(10)
    assert got["fifo"] == "through the fifo" and stat.S_ISFIFO(fifo.stat().st_mode)

    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "s"))
    listener.listen(1)
    listener.settimeout(10)   # a writer that never connects fails the test instead of hanging it

    def accept():
        conn, _ = listener.accept()
        with conn:
            got["socket"] = b"".join(iter(lambda: conn.recv(4096), b""))
    reader = threading.Thread(target=accept)
    reader.start()
    output_file.write_output(tmp_path / "s", "through the socket")
    reader.join(10)
    listener.close()
    assert got["socket"] == b"through the socket"


def test_a_device_stays_a_device_and_a_folder_is_refused(tmp_path):
    output_file.write_output("/dev/null", "nothing")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    with pytest.raises(OSError, match="it is a folder"):
        output_file.write_output(tmp_path, "x")


@pytest.mark.skipif(not ROOT, reason="device nodes and mounts need root")
def test_a_full_device_and_a_full_disk_fail_and_leave_nothing(tmp_path):
    full = tmp_path / "full"
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))     # what /dev/full is
    with pytest.raises(OSError) as e:
        output_file.write_output(full, "does not fit")
    assert e.value.strerror == "No space left on device"
    assert stat.S_ISCHR(full.stat().st_mode)
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "none", str(small)], check=True)
    try:
        with pytest.raises(OSError) as e:
            output_file.write_output(small / "r.json", b"y" * 65536)
        assert e.value.strerror == "No space left on device"
        assert entries(small) == []
    finally:
        subprocess.run(["umount", "-l", str(small)], check=True)


def test_standard_output_is_recognised_by_what_it_is(tmp_path):
    out = tmp_path / "out"
    code = "import output_file, sys; sys.exit(0 if output_file.is_standard_output('/dev/stdout') else 1)"
    with open(out, "w") as f:
        proc = subprocess.run([sys.executable, "-c", code], stdout=f, cwd=os.path.dirname(output_file.__file__))
    assert proc.returncode == 0


def test_plot_refuses_an_output_folder_that_is_a_file(tmp_path):
    not_a_folder = tmp_path / "charts"
    not_a_folder.write_text("keep me")
    fixture = pathlib.Path(__file__).resolve().parent / "fixtures" / "plot" / "full.json"
    proc = subprocess.run([sys.executable, plot.__file__, str(fixture), "-o", str(not_a_folder)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not_a_folder.read_text() == "keep me"
