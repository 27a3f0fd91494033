"""Two services on loopback: billing exposes tasks over HTTP; shop calls them through a client
tunnel with phantom tasks. `python -m examples.distributed` starts both."""
