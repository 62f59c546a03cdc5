"""The restart back-off: short after a crash of a ready service, growing while starts fail."""

from zombilet_local.supervisor import RestartPolicy, exit_cause


def test_the_delay_doubles_with_each_failed_start_up_to_the_cap() -> None:
    policy = RestartPolicy(initial_delay=0.25, factor=2.0, max_delay=1.0)

    delays = [policy.delay(failed_starts) for failed_starts in range(6)]

    assert delays == [0.25, 0.25, 0.5, 1.0, 1.0, 1.0]


def test_the_exit_cause_names_the_signal_or_the_status() -> None:
    assert exit_cause(-9) == "was killed by SIGKILL"
    assert exit_cause(3) == "exited with status 3"
