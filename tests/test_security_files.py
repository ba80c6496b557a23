"""Files the model reads: only regular files, a byte cap, one line for anything else (issue 19).

Scenario files, sweep files and the files they inherit may be named by someone
else (a shared folder, an upload at the classroom app). Before issue 19,
`/dev/zero` was read until the kernel killed the process, a FIFO hung the
reader for good, `/dev/null` validated as `ok`, 5,000 nested arrays gave a
`RecursionError` traceback, a line break in `--set` smuggled in a table, and
an error in an inherited file quoted its values.

Special files are tried through the real command in a child process with a
memory limit and a time limit, so that a regression fails the test instead of
eating the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from commissioning.cli.main import main
from commissioning.model.scenario import (
    MAX_FILE_BYTES,
    ScenarioError,
    load_scenario,
    read_toml_file,
)

from .test_scenarios import TWO_TIER, write

#: A child process may use this much memory (today's /dev/zero read used 10 GB in 35 s).
MEMORY_LIMIT = 1_500_000_000
SECONDS = 60  # far above the second or two the command needs; a hang is a failure
DEEP = 5000


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def command(*argv: str) -> tuple[int, str, str]:
    """`commissioning ARGV` in a child process (memory and time limited): status, stdout, stderr."""
    try:
        done = subprocess.run([sys.executable, "-m", "commissioning.cli.main", *argv],
                              capture_output=True, text=True, timeout=SECONDS,
                              preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`commissioning {' '.join(argv)}` still running after {SECONDS} s")
    return done.returncode, done.stdout, done.stderr


def one_line(rc: int, out: str, err: str, *fragments: str) -> str:
    """Exit status 2, one line on stderr with every fragment, no traceback, nothing on stdout."""
    assert rc == 2, (rc, out, err[-2000:])
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err[-2000:]
    for fragment in fragments:
        assert fragment in lines[0]
    assert "ok" not in out.split()
    return lines[0]


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    return path


SPECIAL = [pytest.param("/dev/zero", "a device", id="dev-zero"),
           pytest.param("/dev/urandom", "a device", id="dev-urandom"),
           pytest.param("/dev/null", "a device", id="dev-null")]


@pytest.mark.parametrize(("path", "kind"), SPECIAL)
def test_validate_refuses_a_device_at_once(path, kind):
    rc, out, err = command("validate", path)
    one_line(rc, out, err, path, f"not {kind}")


def test_validate_refuses_a_fifo_instead_of_waiting_for_a_writer(fifo):
    rc, out, err = command("validate", str(fifo))
    one_line(rc, out, err, str(fifo), "not a pipe")


@pytest.mark.parametrize(("path", "kind"), SPECIAL[:1])
def test_a_sweep_of_a_device_is_refused_at_once(path, kind):
    rc, out, err = command("sweep", path, "--dry-run")
    one_line(rc, out, err, path, f"not {kind}")


def test_the_loader_returns_from_a_fifo(fifo):
    """In process too: the open does not block (a reader thread would hang for good)."""
    outcome: list = []

    def load() -> None:
        try:
            read_toml_file(fifo)
        except ScenarioError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert outcome and "not a pipe" in outcome[0].expected


def test_a_file_over_the_cap_is_refused_unread(tmp_path):
    big = write(tmp_path / "big.toml", b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(big)
    assert info.value.source == str(big)
    assert "at most 1,000 kB" in info.value.expected


def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path, capsys):
    deep = write(tmp_path / "deep.toml", "[area]\nclaimants = " + "[" * DEEP + "]" * DEEP + "\n")
    assert main(["validate", str(deep)]) == 2
    err = capsys.readouterr().err
    one_line(2, "", err, str(deep), "nested")
    assert main(["run", str(TWO_TIER), "--set", "area.claimants=" + "[" * DEEP + "]" * DEEP]) == 2
    one_line(2, "", capsys.readouterr().err, "area.claimants", "nested")


def test_a_line_break_in_set_is_refused_not_smuggled(capsys):
    assert main(["run", str(TWO_TIER), "--set", "area.claimants=1\n[evil]\nx=1"]) == 2
    one_line(2, "", capsys.readouterr().err, "area.claimants", "one line")
    assert main(["run", str(TWO_TIER), "--set", "area.claimants=1\r"]) == 2
    one_line(2, "", capsys.readouterr().err, "one line")


def test_an_inherited_files_values_are_never_quoted(tmp_path):
    """Its file and key are named (they are where the fault is); its values are not."""
    parent = write(tmp_path / "secret.toml", 'area = "hunter2-password"\n')
    child = write(tmp_path / "child.toml", "[scenario]\ninherits = 'secret.toml'\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert (Path(info.value.source), info.value.key) == (parent, "area")
    assert "hunter2" not in str(info.value)
    # Named directly, a file's own wrong value is still quoted: it is the reader's own.
    with pytest.raises(ScenarioError) as info:
        load_scenario(parent)
    assert "hunter2" in str(info.value)


def test_a_long_wrong_value_is_cut_in_the_message(tmp_path):
    path = write(tmp_path / "long.toml", f'[area]\nclaimants = "{"y" * 50_000}"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.got == "y" * 50_000  # kept whole for a program to inspect
    assert len(str(info.value)) < 300
