#!/usr/bin/env python3
"""Reads a momentos lake the way an outside engine does: through Delta Lake's log only.

    read_delta.py LAKE                      {"<table root>": rows, ...} for every Delta table
    read_delta.py LAKE ROOT COLUMN[,COLUMN]  the rows of one table, sorted, one JSON array each
    read_delta.py LAKE --count ROOT...      {"<table root>": rows, ...} for these tables

LAKE is a folder or an s3:// URL; for S3 the usual AWS_* variables configure the client.

Exit 3 when the `deltalake` package is missing, so the Rust test can tell "cannot check"
from "checked and wrong".
"""
import json
import os
import sys

try:
    from deltalake import DeltaTable
    import pyarrow  # noqa: F401  (deltalake 1.x reads into Arrow only with it)
except ImportError:
    sys.exit(3)


def roots(lake):
    for folder, dirs, _files in os.walk(lake):
        if "_delta_log" in dirs:
            yield os.path.relpath(folder, lake).replace(os.sep, "/") + "/"
            dirs.remove("_delta_log")


def table(lake, root):
    if lake.startswith("s3://"):
        options = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
        return DeltaTable(lake.rstrip("/") + "/" + root, storage_options=options)
    return DeltaTable(os.path.join(lake, root))


def main():
    lake = sys.argv[1]
    if len(sys.argv) == 2 or sys.argv[2] == "--count":
        chosen = sys.argv[3:] if len(sys.argv) > 2 else sorted(roots(lake))
        counts = {root: table(lake, root).to_pyarrow_dataset().count_rows() for root in chosen}
        print(json.dumps(counts))
        return
    root, columns = sys.argv[2], sys.argv[3].split(",")
    data = table(lake, root).to_pyarrow_table(columns=columns)
    rows = sorted(zip(*(data.column(c).to_pylist() for c in columns)), key=repr)
    for row in rows:
        print(json.dumps([str(v) if v is not None else None for v in row], separators=(",", ":")))


if __name__ == "__main__":
    main()
    # Leave without the interpreter's teardown: deltalake's native threads can abort it
    # there ("terminate called without an active exception") after the work is done.
    sys.stdout.flush()
    os._exit(0)
