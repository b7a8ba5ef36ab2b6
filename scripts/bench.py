#!/usr/bin/env python
"""Benchmark: env steps/s next to bare OpenSim integration (same as `osim-rl bench`).

    python scripts/bench.py L2RunEnv --steps 1000 --json bench.json
"""
from osim.cli import bench

if __name__ == "__main__":
    bench()
