"""The ratios of a peer-rig sitting: mailgate against the faster PostGraphile, per query.

    python tests/bench/peers/ratios.py RESULTS/summary.json     (run.sh does it after load/bench.py)

Prints a Markdown table: req/s of each server, mailgate (1 and 2 processes) ÷ the faster of
PostGraphile 4 and 5, and the server CPU ms per request (CPU seconds of the server's process tree
during the measured run ÷ requests), which moves less than req/s on a shared machine.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PEERS = ("postgraphile", "postgraphile5", "apollo", "mailgate1", "mailgate2")
NAMES = {
    "postgraphile": "PG4",
    "postgraphile5": "PG5",
    "apollo": "Apollo",
    "mailgate1": "mailgate 1p",
    "mailgate2": "mailgate 2p",
}


def table(rows: list[dict[str, object]]) -> str:
    cells: dict[tuple[str, str], dict[str, object]] = {(str(r["query"]), str(r["peer"])): r for r in rows}
    queries = list(dict.fromkeys(str(r["query"]) for r in rows))
    head = [
        "query",
        *(f"{NAMES[p]} req/s" for p in PEERS),
        "1p ÷ best PG",
        "2p ÷ best PG",
        *(f"{NAMES[p]} CPU ms/req" for p in PEERS),
    ]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" + "---:|" * (len(head) - 1)]
    for q in queries:
        rps = {p: float(cells[(q, p)]["rps"]) for p in PEERS if (q, p) in cells}  # type: ignore[arg-type]
        best = max(rps.get("postgraphile", 0.0), rps.get("postgraphile5", 0.0))
        cpu = {
            p: float(cells[(q, p)]["cpu_node_s"]) * 1000 / max(int(cells[(q, p)]["requests"]), 1)  # type: ignore[arg-type]
            for p in PEERS
            if (q, p) in cells
        }
        row = [q, *(f"{rps[p]:.0f}" if p in rps else "-" for p in PEERS)]
        row += [f"{rps[m] / best:.2f}x" if m in rps and best else "-" for m in ("mailgate1", "mailgate2")]
        row += [f"{cpu[p]:.2f}" if p in cpu else "-" for p in PEERS]
        out.append("| " + " | ".join(row) + " |")
    loads = [r["load_before"][0] for r in rows]  # type: ignore[index]
    out.append("")
    out.append(
        f"1-minute load average before the cells: {min(loads)}-{max(loads)} (2 cores; compare ratios, not req/s)"
    )
    return "\n".join(out)


def main() -> None:
    rows = json.loads(Path(sys.argv[1]).read_text())
    print(table(rows))


if __name__ == "__main__":
    main()
