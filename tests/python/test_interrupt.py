"""Ctrl-C interrupts a long call: a subprocess runs a construction, a
certification or a bound query that takes seconds; SIGINT, sent once it is
under way, raises KeyboardInterrupt in it soon after. The module looks for
signals every 50 ms and the library polls its stop request between stages
and per block of rows of the certifier's filter (whose scores are also the
construction's evaluation), so the delay is about one block's product:
256 L d multiply-adds (here L = 8000 and d = 1500 or 1000: well under a
second each; docs/python.md says more). The bounds poll it every 16 terms
of the exact tails' series, where their time goes."""

import os
import signal
import subprocess
import sys
import time

import pytest

CHILD = r"""
import signal, sys, time
# The test's own process may run with SIGINT ignored (a background job);
# a Python program started normally has this handler.
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
import jlattn
call = sys.argv[1]
if call == "bound":
    # Seconds in the exact tails (d*_exact near 2^34 at L = 2^64 - 1).
    run = lambda: jlattn.bound(2**64 - 1, 1_400_000, eps=1.0, gamma=0.1)
else:
    A = jlattn.demo_target(8000)
    X = np.random.default_rng(1).standard_normal((8000, 2000))
    if call == "construct":
        run = lambda: jlattn.construct(A, eps=1.0, gamma=0.1, d=1500, threads=1)
    else:
        run = lambda: jlattn.certify(A, X, eps=1.0, gamma=0.1, threads=1)
print("running", flush=True)
start = time.monotonic()
try:
    run()
    print("finished", time.monotonic() - start, flush=True)
except KeyboardInterrupt:
    print("interrupted", time.monotonic() - start, flush=True)
"""


def start(call):
    """The child, once it has printed that the call starts."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, call], stdout=subprocess.PIPE, text=True,
                             env=os.environ.copy())
    assert child.stdout.readline().strip() == "running"
    return child


def interrupted_after(call, seconds):
    """SIGINT `seconds` into the call: (the child's last line, split; the
    time from the signal to that line)."""
    child = start(call)
    try:
        time.sleep(seconds)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        line = child.stdout.readline().split()
        latency = time.monotonic() - sent
        assert child.wait(timeout=60) == 0
        return line, latency
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def uninterrupted_duration(call):
    """The call's own duration on this machine, now."""
    child = start(call)
    line = child.stdout.readline().split()
    assert child.wait(timeout=300) == 0 and line[0] == "finished", line
    return float(line[1])


@pytest.mark.parametrize("call", ["construct", "certify"])
def test_sigint_raises_keyboard_interrupt_well_before_the_call_ends(call):
    # SIGINT a quarter of the way into the call (several seconds even on a
    # fast machine). Without stop points the KeyboardInterrupt would come
    # when the call returns, three quarters of its time later; the test asks
    # for less than half. The bound is relative to the call's own duration
    # measured just before, so a busy machine slows both alike (a fixed 2 s
    # failed under a load near 7).
    duration = uninterrupted_duration(call)
    line, latency = interrupted_after(call, duration / 4)
    assert line and line[0] == "interrupted", f"the call was not interrupted: {line}"
    assert latency < duration / 2, f"KeyboardInterrupt came {latency:.2f} s after SIGINT ({duration:.2f} s call)"


def test_sigint_stops_a_long_bound_query():
    # As above: the query's own duration, then SIGINT a quarter of the way in
    # and the KeyboardInterrupt in less than half of it (the series' stop
    # points; without them it would come three quarters later).
    duration = uninterrupted_duration("bound")
    if duration <= 0.4:  # a machine this fast leaves no time to interrupt: nothing to tell
        pytest.skip(f"the query took {duration:.2f} s: too short to tell")
    line, latency = interrupted_after("bound", duration / 4)
    assert line and line[0] == "interrupted", f"the call was not interrupted: {line}"
    assert latency < duration / 2, f"KeyboardInterrupt came {latency:.2f} s after SIGINT ({duration:.2f} s call)"
