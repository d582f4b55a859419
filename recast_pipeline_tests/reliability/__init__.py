"""Reliability and security suite (issue 6): faults, crashes, hostile data, bad input, secrets."""
