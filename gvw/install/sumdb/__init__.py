"""Go's checksum database (sum.golang.org and compatible): signed notes, the
transparency log's proofs, and a client that verifies a record before it is trusted."""
