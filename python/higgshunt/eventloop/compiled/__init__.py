"""A channel's RDataFrame graph as generated C++ compiled once into a cached shared library.

`codegen` turns the graph's ordered Defines and Filters (whatever expressions they hold) into C++ whose
column types the compiler deduces from the dataset's; `cache` compiles it with g++ against ROOT's headers
and keeps the library under the user's cache folder, keyed by source + helper library + ROOT version.
"""
