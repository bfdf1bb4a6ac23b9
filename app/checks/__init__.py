"""Answers that check themselves: code run against its tests in a sandbox, repair rounds,
agreement across samples."""
