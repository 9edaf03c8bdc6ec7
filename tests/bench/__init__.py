"""`make bench` and `make bench-peers`: see tests/bench/__main__.py and tests/bench/peers/run.sh."""
