#!/usr/bin/env bash
# Placeholder until the sched_ext VM harness lands.
echo "vm: sched_ext VM test not implemented yet; skipping"
