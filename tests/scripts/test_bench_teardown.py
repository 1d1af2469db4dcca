"""A benchmark interrupted with Ctrl-C (SIGINT) or SIGTERM mid-run still stops every devnet process."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bench_runner import REPO


def recorded_pids(netdir: str) -> dict[str, int]:
    """host -> pid from the devnet's pid files (orderer, peers and chaincode servers)."""
    out = {}
    for pid_file in (Path(netdir) / "run").glob("*.pid"):
        out[pid_file.stem] = json.loads(pid_file.read_text())["pid"]
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.integration
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_benchmark_tears_devnet_down(tmp_path: Path, signum: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "bench_devnet.py"), "--out-dir", str(tmp_path),
         "--in-flight", "2", "--duration", "120", "--warmup", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    netdir = None
    lines = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            found = re.search(r"devnet: \d+ orgs in (\S+),", line)
            netdir = found.group(1) if found else netdir
            if "measured" in line:
                break
        assert netdir, "".join(lines)
        pids = recorded_pids(netdir)
        assert {"orderer0.example.com", "peer0.org1.example.com", "chaincode-benchcc"} <= set(pids), pids
        assert all(alive(pid) for pid in pids.values())
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:  # the test failed early: still let the benchmark tear its devnet down
            proc.send_signal(signal.SIGINT)
            try:
                proc.communicate(timeout=90)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert proc.returncode != 0, err[-3000:]
    assert "tearing down devnet" in err, err[-3000:]
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [host for host, pid in pids.items() if alive(pid)] == [], err[-3000:]
    assert not list(tmp_path.glob("*.json"))  # an interrupted run writes no result file
    assert f"devnet files (logs) kept in {Path(netdir).parent}" in err, err[-3000:]  # kept for diagnosis
    shutil.rmtree(Path(netdir).parent)
