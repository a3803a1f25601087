"""Line protocol shared by the Python client drivers.

The test sends one JSON command per line on stdin ({"op": ..., ...}) and reads
one JSON answer per line on stdout ({"ok": true, "result": ...} or
{"ok": false, "error": ...}). Client logs go to stderr, which the test keeps
for failure messages. Bulk data (records to produce, records read back)
travels through JSON files whose paths are in the command.
"""
import base64
import json
import sys
import traceback


def b64(data):
    return None if data is None else base64.b64encode(bytes(data)).decode("ascii")


def unb64(text):
    return None if text is None else base64.b64decode(text)


def load_records(path, start, end):
    with open(path, "r", encoding="utf-8") as handle:
        records = json.load(handle)
    chosen = records[start:end]
    for record in chosen:
        record["key"] = unb64(record["key"])
        record["value"] = unb64(record["value"])
        record["headers"] = [(name, unb64(value)) for name, value in record["headers"]]
    return chosen


def codec_chunks(records, codecs):
    """Splits records into one contiguous chunk per codec, in order."""
    size = (len(records) + len(codecs) - 1) // len(codecs)
    return [(codec, records[i * size:(i + 1) * size]) for i, codec in enumerate(codecs)]


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle)


def serve(handlers):
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        command = json.loads(line)
        op = command.pop("op")
        try:
            result = handlers[op](**command)
            answer = {"ok": True, "result": result}
        except Exception as error:  # every failure goes back to the test, which fails with it
            traceback.print_exc(file=sys.stderr)
            answer = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        if op == "exit":
            return
