"""What the commands that run event loops (`skim`, `bumphunt`) share: input resolution and checks, the C++
declarations in ROOT's interpreter, executors (local threads, Dask) and the command-line options."""
