# el2dbg helpers for gdb-multiarch: `source scripts/gdb/el2dbg.py` after connecting to `el2dbg serve`.
#
#   el2-trap last | frame | map | log [N] | stats | el2      show the last trap, its frame, the policy, ...
#   el2-trap catch before|after|off [filters...]            stage-2 catchpoints (monitor stage2 catch)
#   el2-trap decide value HEX | handled | fault | skip      override the held trap's decision
#   el2-trap-log FILE [MAX]                                  continue, writing one JSON line per catch stop
#
# From a gdb script:  python el2dbg_log_catches("traps.jsonl", max_stops=100)
import json

import gdb  # type: ignore

_MONITOR = {
    "last": "stage2 last",
    "frame": "frame",
    "map": "stage2 map",
    "log": "stage2 log",
    "stats": "stats",
    "el2": "el2",
    "catch": "stage2 catch",
    "decide": "stage2 decide",
}


def _monitor(command):
    return gdb.execute("monitor " + command, to_string=True)


class El2Trap(gdb.Command):
    """el2dbg stage-2 trap commands: el2-trap last|frame|map|log [N]|stats|el2|catch ...|decide ..."""

    def __init__(self):
        super().__init__("el2-trap", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        words = arg.split()
        if not words or words[0] not in _MONITOR:
            raise gdb.GdbError("usage: el2-trap " + "|".join(sorted(_MONITOR)) + " [ARGS]")
        gdb.write(_monitor(" ".join([_MONITOR[words[0]]] + words[1:])))


def _register(name):
    try:
        return int(gdb.parse_and_eval("$" + name)) & 0xFFFFFFFFFFFFFFFF
    except gdb.error:
        return None


def _catch_record(stop_number):
    record = {"stop": stop_number}
    for name in ("pc", "ESR_EL2", "FAR_EL2", "HPFAR_EL2", "ELR_EL2", "SPSR_EL2"):
        value = _register(name)
        record[name.lower()] = None if value is None else "0x%x" % value
    record["x"] = ["0x%x" % (_register("x%d" % i) or 0) for i in range(31)]
    last = _monitor("stage2 last")
    record["report"] = last.rstrip("\n").split("\n")
    return record


def el2dbg_log_catches(path, max_stops=None):
    """Continue the guest repeatedly; at each SIGTRAP stop (a catch) append one JSON line to `path`.
    Ends when the guest exits, stops for another reason, or after max_stops catches. Returns the count."""
    count = 0
    with open(path, "a", encoding="utf-8") as out:
        while max_stops is None or count < max_stops:
            try:
                gdb.execute("continue", to_string=True)
            except gdb.error as e:
                gdb.write("el2dbg: continue failed: %s\n" % e)
                break
            thread = gdb.selected_thread()
            if thread is None or not thread.is_valid():
                break  # the guest exited (W packet)
            signal = gdb.execute("info program", to_string=True)
            if "SIGTRAP" not in signal:
                break
            count += 1
            out.write(json.dumps(_catch_record(count)) + "\n")
            out.flush()
    return count


class El2TrapLog(gdb.Command):
    """el2-trap-log FILE [MAX]: continue, logging every catch stop as a JSON line to FILE."""

    def __init__(self):
        super().__init__("el2-trap-log", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        words = gdb.string_to_argv(arg)
        if not words or len(words) > 2 or (len(words) == 2 and not words[1].isdigit()):
            raise gdb.GdbError("usage: el2-trap-log FILE [MAX]")
        n = el2dbg_log_catches(words[0], int(words[1]) if len(words) == 2 else None)
        gdb.write("el2dbg: logged %d catch stop(s) to %s\n" % (n, words[0]))


El2Trap()
El2TrapLog()
