#!/usr/bin/env python3
"""Writes the generated bad inputs of Tests/BadInputs (issue 8, item 4).

    python3 Tests/BadInputs/generate.py      # from the package root or anywhere

It (re)writes, deterministically:
  generated/*             mutations of VALID (the scenario below): truncations, wrong
                          types and huge/negative values for every key, non-JSON
                          literals, junk and control characters, invalid UTF-8, BOM,
                          deep nesting, wrong top-level values, duplicate keys, ...
  data/<case>/<n>/...     tiny corrupt prepared-data folders (one defect each) and
  data/<case>.json        the scenario that runs each of them
  models/*                corrupt base checkpoints the hand-written scenarios/base-*.json use
  controls/*.json         valid scenarios (the test checks they pass, so every bad
                          input fails because of its one defect)
and the part of expected.tsv between '# BEGIN generated' and '# END generated'.
Hand-written scenarios (scenarios/*.json) and their manifest lines are not touched.
The test reads the files only; run this again after changing it and commit the output.
"""
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
REL = "Tests/BadInputs"  # paths in scenarios are relative to the package root

# A valid scenario that sets every key of the table (so each can be mutated).
# Small: 4 clients, context 16, 2000 synthetic tokens each, one round.
VALID = {
    "name": "bad-input",
    "label": "valid base of the mutations",
    "seeds": [0],
    "rounds": 1,
    "local_steps": 1,
    "batch": 8,
    "micro_batch": 4,
    "eval_every": 1,
    "eval_tokens": 64,
    "target_ppl": 100.0,
    "numerics": True,
    "wire_fp16": False,
    "model": {"base": "models/synthetic-byte-tiny.safetensors", "context": 16, "lora_alpha": 16.0},
    "data": {"source": "synthetic", "path": "unused-by-synthetic",
             "synthetic": {"tokens": 2000, "private_share": 0.5, "divergence": 1.0, "seed": 0}},
    "clients": [
        {"name": "a", "device": "low", "gflops": 10.0, "memory_mib": 2048.0, "upload_mbps": 5.0, "download_mbps": 20.0,
         "availability": 0.9, "window": {"period_s": 3600.0, "on_s": 1800.0, "phase_s": 0.0}},
        {"name": "b", "device": "mid"},
        {"name": "c", "device": "mid"},
        {"name": "d", "device": "high"},
    ],
    "method": {"name": "comigs", "rank": 4, "experts": 2, "generalists": 1, "specialists": 1, "top_k": 2,
               "generalist_importance": 0.5, "lambda_lb": 0.01, "lr": 0.002, "weight_decay": 0.01,
               "router_every": 30, "router_iters": 10, "router_data": "valid", "fit_specialists": False,
               "pcl_windows": 8, "hetlora_lambda": 0.01, "hetlora_gamma": 0.99},
    "policy": {"name": "deadline", "clients_per_round": 0, "deadline_s": 60.0, "partial": True, "extra": 1,
               "buffer": 2, "max_staleness": 4},
    "heterogeneity": {"straggler": {"kind": "fixed", "probability": 0.1, "factor": 4.0, "sigma": 0.5},
                      "dropout": {"unavailable": 0.0, "failure": 0.0}},
    "checkpoint_every": 0,
    "outputs": {"dir": "runs", "save_adapters": False},
}

# Every key of Sources/Scenarios/Scenario/ScenarioKeys.swift with its kind
# (clients[] keys as client 0's, which sets them all in VALID).
KEYS = [
    ("name", "string"), ("label", "string"), ("seeds", "ints"), ("rounds", "int"), ("local_steps", "int"),
    ("batch", "int"), ("micro_batch", "int"), ("eval_every", "int"), ("eval_tokens", "int"),
    ("target_ppl", "number"), ("numerics", "bool"), ("wire_fp16", "bool"),
    ("model.base", "string"), ("model.context", "int"), ("model.lora_alpha", "number"),
    ("data.source", "choice"), ("data.path", "string"), ("data.synthetic.tokens", "intOrInts"),
    ("data.synthetic.private_share", "number"), ("data.synthetic.divergence", "number"), ("data.synthetic.seed", "int"),
    ("clients", "clients"),
    ("clients.0.name", "string"), ("clients.0.device", "choice"), ("clients.0.gflops", "number"),
    ("clients.0.memory_mib", "number"), ("clients.0.upload_mbps", "number"), ("clients.0.download_mbps", "number"),
    ("clients.0.availability", "number"), ("clients.0.window.period_s", "number"), ("clients.0.window.on_s", "number"),
    ("clients.0.window.phase_s", "number"),
    ("method.name", "choice"), ("method.rank", "intOrInts"), ("method.experts", "int"), ("method.generalists", "int"),
    ("method.specialists", "intOrInts"), ("method.top_k", "int"), ("method.generalist_importance", "number"),
    ("method.lambda_lb", "number"), ("method.lr", "number"), ("method.weight_decay", "number"),
    ("method.router_every", "int"), ("method.router_iters", "int"), ("method.router_data", "choice"),
    ("method.fit_specialists", "bool"), ("method.pcl_windows", "int"), ("method.hetlora_lambda", "number"),
    ("method.hetlora_gamma", "number"),
    ("policy.name", "choice"), ("policy.clients_per_round", "int"), ("policy.deadline_s", "number"),
    ("policy.partial", "bool"), ("policy.extra", "int"), ("policy.buffer", "int"), ("policy.max_staleness", "int"),
    ("heterogeneity.straggler.kind", "choice"), ("heterogeneity.straggler.probability", "number"),
    ("heterogeneity.straggler.factor", "number"), ("heterogeneity.straggler.sigma", "number"),
    ("heterogeneity.dropout.unavailable", "number"), ("heterogeneity.dropout.failure", "number"),
    ("checkpoint_every", "int"), ("outputs.dir", "string"), ("outputs.save_adapters", "bool"),
]
SECTIONS = ["model", "data", "data.synthetic", "clients.0", "clients.0.window", "method", "policy",
            "heterogeneity", "heterogeneity.straggler", "heterogeneity.dropout", "outputs"]

# Wrong-type values per kind, used in turn (raw JSON text, shown type).
WRONG = {
    "int": [('"3"', "a string"), ("1.5", "a number"), ("true", "a boolean"), ("null", "null"), ("[1]", "a list"),
            ("{}", "an object")],
    "number": [('"0.5"', "a string"), ("false", "a boolean"), ("null", "null"), ("[0.5]", "a list"),
               ('{"value": 1}', "an object")],
    "bool": [('"true"', "a string"), ("1", "an integer"), ("0", "an integer"), ("null", "null"), ("[]", "a list")],
    "string": [("42", "an integer"), ("true", "a boolean"), ("null", "null"), ('["x"]', "a list"), ("{}", "an object")],
    "choice": [("1", "an integer"), ("true", "a boolean"), ("null", "null"), ('["mid"]', "a list"), ("{}", "an object")],
    "ints": [("0", "an integer")],
    "intOrInts": [('"8"', "a string"), ("2.5", "a number"), ("false", "a boolean")],
    "clients": [('"four"', "a string"), ("{}", "an object"), ("4.5", "a number")],
}
# Out-of-range or non-integer magnitudes (every key with a numeric kind).
HUGE_INT = "9223372036854775808"  # 2^63: beyond Int, read as a (non-integer) double
NEG_NUMBER = "-1.7976931348623157e308"


def message_path(path):
    """clients.0.window.on_s -> clients[0].window.on_s (how messages print it)."""
    parts, out = path.split("."), []
    for p in parts:
        if p.isdigit() and out:
            out[-1] += f"[{p}]"
        else:
            out.append(p)
    return ".".join(out)


def compact(v):
    return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))


RAW = "\u0000RAW\u0000"  # marks a raw JSON fragment inside a tree


def with_value(tree, path, raw):
    """VALID as text with `path` replaced by the raw JSON text `raw`."""
    t = json.loads(json.dumps(tree))
    node, parts = t, path.split(".")
    for p in parts[:-1]:
        node = node[int(p)] if p.isdigit() else node[p]
    last = parts[-1]
    if last.isdigit():
        node[int(last)] = RAW
    else:
        node[last] = RAW
    text = json.dumps(t, indent=1, ensure_ascii=False)
    return text.replace(json.dumps(RAW), raw, 1)


class Writer:
    def __init__(self):
        self.rows = []  # (file relative to Tests/BadInputs, expected substring)

    def file(self, rel, content, expected=None):
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode("utf-8"))
        if expected is not None:
            assert "\n" not in expected and "\t" not in expected, rel
            self.rows.append((rel, expected))

    def case(self, name, content, expected):
        rel = f"generated/{name}"
        self.file(rel, content, expected.replace("{file}", f"{REL}/{rel}"))


def generated(w):
    valid = json.dumps(VALID, indent=1)

    # Truncations: the valid file cut at several offsets (all inside the value).
    cuts = {"1": 1, "2": 2, "key": valid.index('"rounds"') + 3, "colon": valid.index('"rounds"') + 8,
            "number": valid.index('"target_ppl"') + 16, "literal": valid.index("true") + 2,
            "quarter": len(valid) // 4, "half": len(valid) // 2, "clients": valid.index('"window"') + 4,
            "three-quarters": 3 * len(valid) // 4, "last": len(valid) - 1}
    for name, at in cuts.items():
        text = valid[:at]
        # What the parser meets at the cut decides the reason; each names the file.
        w.case(f"truncated-{name}.json", text, "{file}: not valid JSON: ")

    # Wrong types for every key, and huge/negative values for every numeric one.
    counters = {}
    for path, kind in KEYS:
        i = counters.get(kind, 0)
        counters[kind] = i + 1
        raw, shown = WRONG[kind][i % len(WRONG[kind])]
        slug = path.replace(".", "-")
        w.case(f"type-{slug}.json", with_value(VALID, path, raw), f"comigs: {message_path(path)}: expected ")
        if kind in ("int", "intOrInts"):
            w.case(f"huge-{slug}.json", with_value(VALID, path, HUGE_INT),
                   f"comigs: {message_path(path)}: expected an integer, got a number")
        elif kind == "number":
            w.case(f"negative-{slug}.json", with_value(VALID, path, NEG_NUMBER),
                   f"comigs: {message_path(path)}: -1.7976931348623157e+308 is out of range")
    # A section that is not an object, at every nesting level.
    for i, s in enumerate(SECTIONS):
        raw = ["3", '"x"', "[]", "null", "true"][i % 5]
        w.case(f"section-{s.replace('.', '-')}.json", with_value(VALID, s, raw),
               f"comigs: {message_path(s)}: expected an object, got ")
    # Integers in lists: out of range inside the list names the index.
    w.case("range-seeds-item.json", with_value(VALID, "seeds", "[0, 1, -5]"), "comigs: seeds[2]: -5 is out of range")
    w.case("huge-exponent-in-list.json", with_value(VALID, "method.rank", "[4, 4, 4, 1e400]"),
           "{file}: not valid JSON: line")
    w.case("negative-rounds.json", with_value(VALID, "rounds", "-1"), "comigs: rounds: -1 is out of range 0…100000")
    w.case("negative-zero-fraction-batch.json", with_value(VALID, "batch", "-0.5"),
           "comigs: batch: expected an integer, got a number -0.5")
    w.case("huge-exponent-rounds.json", with_value(VALID, "rounds", "1e999"),
           "{file}: not valid JSON: line 7, column 12: invalid number '1e999'")
    w.case("huge-negative-exponent-lr.json", with_value(VALID, "method.lr", "-1e999"),
           "{file}: not valid JSON: ")
    w.case("tiny-exponent-lr.json", with_value(VALID, "method.lr", "1e-999"),
           "comigs: method.lr: 0.0 is out of range")

    # Literals JSON does not have.
    for name, raw in [("nan", "NaN"), ("infinity", "Infinity"), ("minus-infinity", "-Infinity"),
                      ("lowercase-nan", "nan"), ("inf", "inf"), ("hex", "0x10"), ("plus", "+1"),
                      ("leading-dot", ".5"), ("double-minus", "--1"), ("single-quoted", "'sync'"),
                      ("undefined", "undefined"), ("true-capital", "True"), ("none", "None"),
                      ("bare-word", "sync"), ("minus-alone", "-"), ("exponent-alone", "1e"),
                      ("double-dot", "1.2.3"), ("range", "1-2")]:
        w.case(f"literal-{name}.json", with_value(VALID, "method.lr", raw), "{file}: not valid JSON: line ")

    # Junk and control characters in strings and keys.
    base = json.dumps(VALID, indent=1, ensure_ascii=False)
    w.case("string-escaped-nul.json", with_value(VALID, "name", '"bad\\u0000name"'),
           "comigs: name: must be a non-empty string without control characters")
    w.case("string-escaped-newline.json", with_value(VALID, "label", '"two\\nlines"'),
           "comigs: label: must be a non-empty string without control characters")
    w.case("string-escaped-escape.json", with_value(VALID, "outputs.dir", '"runs\\u001b[31m"'),
           "comigs: outputs.dir: must be a non-empty string without control characters")
    w.case("string-raw-tab.json", with_value(VALID, "name", '"tab\there"'),
           "{file}: not valid JSON: line 2, column 15: control character in a string")
    w.case("string-raw-newline.json", with_value(VALID, "label", '"two\nlines"'),
           "{file}: not valid JSON: line 4, column 1: control character in a string")
    w.case("string-raw-nul.json", with_value(VALID, "name", '"nul\u0000"'),
           "{file}: not valid JSON: line 2, column 15: control character in a string")
    w.case("choice-emoji.json", with_value(VALID, "clients.1.device", '"📱"'),
           'comigs: clients[1].device: unknown value "📱"')
    w.case("choice-rtl-override.json", with_value(VALID, "method.name", '"\u202ecomigs"'),
           "comigs: method.name: unknown value")
    w.case("choice-lone-surrogate.json", with_value(VALID, "policy.name", '"\\ud800"'),
           "comigs: policy.name: unknown value")
    w.case("choice-trailing-space.json", with_value(VALID, "data.source", '"synthetic "'),
           'comigs: data.source: unknown value "synthetic "')
    w.case("choice-case.json", with_value(VALID, "heterogeneity.straggler.kind", '"Fixed"'),
           'comigs: heterogeneity.straggler.kind: unknown value "Fixed"')
    w.case("choice-escaped-newline.json", with_value(VALID, "clients.2.device", '"mid\\n"'),
           'comigs: clients[2].device: unknown value "mid\\n"')
    w.case("key-emoji.json", base.replace('"rounds"', '"rounds🚀"', 1), "comigs: rounds🚀: unknown key")
    w.case("key-zero-width.json", base.replace('"batch"', '"ba\u200btch"', 1), "comigs: ba\u200btch: unknown key")
    w.case("key-empty.json", base.replace('"label"', '""', 1), "comigs: : unknown key")
    w.case("key-nested-empty.json", base.replace('"lora_alpha"', '""', 1), "comigs: model.: unknown key")
    w.case("key-dotted.json", base.replace('"local_steps"', '"method.lr"', 1), "comigs: method.lr: unknown key")
    # A key is printed as given: an escaped line break must not split the one-line message.
    w.case("key-escaped-newline.json", base.replace('"rounds"', '"rou\\nnds"', 1), "unknown key")
    w.case("key-escaped-carriage-return.json", base.replace('"rounds"', '"rou\\rnds"', 1), "unknown key")
    w.case("key-escaped-nul.json", base.replace('"rounds"', '"rou\\u0000nds"', 1), "unknown key")
    w.case("key-bad-escape.json", base.replace('"rounds"', '"r\\qounds"', 1),
           "{file}: not valid JSON: line 7, column 6: bad escape '\\q'")
    w.case("key-short-unicode-escape.json", base.replace('"rounds"', '"\\u12"', 1),
           "{file}: not valid JSON: line 7, column 5: bad \\u escape")
    w.case("key-unquoted.json", base.replace('"rounds"', "rounds", 1), "{file}: not valid JSON: line 7, column 2: expected a quoted key")
    w.case("key-single-quoted.json", base.replace('"rounds"', "'rounds'", 1), "{file}: not valid JSON: line 7, column 2: expected a quoted key")
    w.case("key-missing-colon.json", base.replace('"rounds":', '"rounds"', 1),
           "{file}: not valid JSON: line 7, column 11: expected ':' after key 'rounds'")
    w.case("string-unterminated.json", base.replace('"bad-input"', '"bad-input', 1), "{file}: not valid JSON: ")

    # Invalid UTF-8, a byte-order mark, other encodings.
    vb = base.encode("utf-8")
    w.case("utf8-invalid-in-value.json", vb.replace(b'"bad-input"', b'"bad-\xff-input"', 1),
           "{file}: not valid JSON: line 2, column 23: string is not valid UTF-8")
    w.case("utf8-invalid-in-key.json", vb.replace(b'"rounds"', b'"rou\xc3nds"', 1),
           "{file}: not valid JSON: line 7, column 11: string is not valid UTF-8")
    w.case("utf8-overlong-slash.json", vb.replace(b'"runs"', b'"\xc0\xafruns"', 1),
           "{file}: not valid JSON: ")
    w.case("utf8-encoded-surrogate.json", vb.replace(b'"bad-input"', b'"\xed\xa0\x80"', 1),
           "{file}: not valid JSON: line 2, column 15: string is not valid UTF-8")
    w.case("utf8-truncated-at-end.json", b'{"name": "caf\xc3', "{file}: not valid JSON: ")
    w.case("utf8-outside-string.json", vb.replace(b'"rounds": 1', b'"rounds": \xe2\x80\x8b1', 1),
           "{file}: not valid JSON: line 7, column 12: unexpected character")
    w.case("latin1.json", '{"name": "café"}'.encode("latin-1"),
           "{file}: not valid JSON: line 1, column 16: string is not valid UTF-8")
    w.case("bom-utf8.json", b"\xef\xbb\xbf" + vb, "{file}: not valid JSON: line 1, column 1: unexpected character")
    w.case("utf16le-bom.json", b"\xff\xfe" + base.encode("utf-16-le"),
           "{file}: not valid JSON: line 1, column 1: unexpected character")
    w.case("utf16be.json", base.encode("utf-16-be"), "{file}: not valid JSON: line 1, column 1: unexpected character")
    w.case("nul-bytes.json", b"\x00" * 64, "{file}: not valid JSON: line 1, column 1: unexpected character")
    w.case("binary.json", bytes(range(256)) * 4, "{file}: not valid JSON: line 1, column 1: unexpected character")

    # Deep nesting: the parser stops at its depth limit (32) instead of recursing on.
    w.case("deep-lists.json", "[" * 10000 + "]" * 10000, "{file}: not valid JSON: line 1, column 33: nested deeper than 32 levels")
    w.case("deep-objects.json", '{"a":' * 10000 + "1" + "}" * 10000,
           "{file}: not valid JSON: line 1, column 161: nested deeper than 32 levels")
    w.case("deep-unclosed.json", "[" * 10000, "{file}: not valid JSON: line 1, column 33: nested deeper than 32 levels")
    w.case("deep-in-value.json", with_value(VALID, "label", "[" * 40 + "]" * 40),
           "{file}: not valid JSON: line 3, column ")
    w.case("nested-31-in-value.json", with_value(VALID, "label", "[" * 31 + "]" * 31),
           "comigs: label: expected a string, got a list")

    # Not an object at the top level, or no value at all.
    for name, text, why in [("empty.json", "", "line 1, column 1: unexpected end of file"),
                            ("whitespace.json", " \n\t\r\n  ", "line 3, column 3: unexpected end of file"),
                            ("top-array.json", "[" + json.dumps(VALID) + "]", None),
                            ("top-string.json", '"scenario"', None), ("top-number.json", "42", None),
                            ("top-null.json", "null", None), ("top-true.json", "true", None),
                            ("top-empty-array.json", "[]", None)]:
        if why:
            w.case(name, text, "{file}: not valid JSON: " + why)
        else:
            w.case(name, text, "comigs: (top level): expected an object, got ")
    w.case("two-values.json", base + "\n" + base, "{file}: not valid JSON: ")
    w.case("trailing-garbage.json", base + "\nx", "{file}: not valid JSON: ")

    # Duplicate keys, trailing commas, comments.
    w.case("duplicate-top.json", base.replace('"rounds": 1,', '"rounds": 1,\n "rounds": 2,', 1),
           "{file}: not valid JSON: line 8, column 10: duplicate key 'rounds'")
    w.case("duplicate-nested.json", base.replace('"rank": 4,', '"rank": 4,\n  "rank": 8,', 1),
           "{file}: not valid JSON: ")
    w.case("duplicate-client.json", base.replace('"name": "b",', '"name": "b",\n   "name": "b2",', 1),
           "{file}: not valid JSON: ")
    w.case("trailing-comma-object.json", base.replace('"save_adapters": false\n', '"save_adapters": false,\n', 1),
           "{file}: not valid JSON: ")
    w.case("trailing-comma-array.json", with_value(VALID, "seeds", "[0, 1,]"), "{file}: not valid JSON: line 4, column 17: unexpected character ']'")
    w.case("trailing-comma-top.json", base[:-1].rstrip() + ",\n}", "{file}: not valid JSON: ")
    w.case("leading-comma.json", with_value(VALID, "seeds", "[,0]"), "{file}: not valid JSON: line 4, column 12: unexpected character ','")
    w.case("missing-comma.json", base.replace('"rounds": 1,', '"rounds": 1', 1), "{file}: not valid JSON: line 8, column 2: expected ',' or '}'")
    w.case("comment-line.json", "// a scenario\n" + base, "{file}: not valid JSON: line 1, column 1: unexpected character '/'")
    w.case("comment-block.json", base.replace('"rounds": 1,', '"rounds": 1, /* one */', 1),
           "{file}: not valid JSON: line 7, column 15: expected a quoted key")
    w.case("comment-hash.json", base.replace('"rounds": 1,', '"rounds": 1, # one', 1),
           "{file}: not valid JSON: line 7, column 15: expected a quoted key")


# --- Prepared data folders -------------------------------------------------

TOKENS = 32  # per split: more than a window of context 16 + 1
SPLITS = ["train", "valid", "test"]
NAMES = ["a", "b", "c", "d"]


def tokens(client, split, n=TOKENS):
    return [(7 * i + 13 * client + 5 * SPLITS.index(split)) % 200 + 10 for i in range(n)]


def token_bytes(ts):
    return b"".join(struct.pack("<H", t) for t in ts)


def meta(clients=NAMES, vocab=256, origins=False, **overrides):
    m = {"tokenizer": "byte", "vocab_size": vocab, "clients": list(clients),
         "tokens": [{"train": TOKENS, "valid": TOKENS, "test": TOKENS} for _ in clients],
         "source": "synthetic", "split_seed": 0, "origins": origins, "parameters": {"note": "Tests/BadInputs fixture"}}
    m.update(overrides)
    return json.dumps(m, indent=1) + "\n"


def data_folder(w, case, count=4, clients=4, origins=False, meta_text=None, files=None):
    """A prepared folder data/<case>/<count>/ with `clients` clients; `files`
    maps a file name to bytes (replacing) or None (removing)."""
    root = f"data/{case}/{count}"
    content = {}
    for c in range(clients):
        for s in SPLITS:
            content[f"{s}_{c}.bin"] = token_bytes(tokens(c, s))
            if origins:
                content[f"{s}_origin_{c}.bin"] = bytes((i // 3) % 2 for i in range(TOKENS))
    text = meta_text if meta_text is not None else meta(NAMES[:clients], origins=origins)
    content["meta.json"] = text if isinstance(text, bytes) else text.encode()
    for k, v in (files or {}).items():
        if v is None:
            content.pop(k, None)
        else:
            content[k] = v
    for name, data in content.items():
        w.file(f"{root}/{name}", data)
    return root


def data_case(w, case, expected, path=None, **scenario):
    s = {"name": f"bad-data-{case}", "rounds": 1, "local_steps": 1, "batch": 4, "micro_batch": 4,
         "model": {"context": 16}, "data": {"source": "folder", "path": path or f"{REL}/data/{case}"}, "clients": 4}
    for k, v in scenario.items():
        s[k] = v
    w.file(f"data/{case}.json", json.dumps(s, indent=1) + "\n", expected)


def data(w):
    d = f"{REL}/data"
    # The control: a good folder (controls/valid-data.json runs it).
    data_folder(w, "valid")
    data_folder(w, "valid-origins", origins=True)

    data_folder(w, "odd-length", files={"train_1.bin": token_bytes(tokens(1, "train")) + b"\x01"})
    data_case(w, "odd-length", f"comigs: data.path: {d}/odd-length/4/train_1.bin: odd size 65 bytes")
    data_folder(w, "token-over-meta-vocab", meta_text=meta(vocab=210),
                files={"valid_2.bin": token_bytes(tokens(2, "valid")[:5] + [250] + tokens(2, "valid")[6:])})
    data_case(w, "token-over-meta-vocab", f"comigs: data.path: {d}/token-over-meta-vocab/4/valid_2.bin: token 250 at byte offset 10 "
              "is outside the vocabulary (size 210)")
    data_folder(w, "token-over-base-vocab", files={"test_0.bin": token_bytes([300] + tokens(0, "test")[1:])})
    data_case(w, "token-over-base-vocab", f"comigs: data.path: {d}/token-over-base-vocab/4/test_0.bin: token 300 at byte offset 0 "
              "is outside the vocabulary (size 256)")
    data_folder(w, "token-max", files={"train_3.bin": token_bytes(tokens(3, "train")[:-1] + [65535])})
    data_case(w, "token-max", f"comigs: data.path: {d}/token-max/4/train_3.bin: token 65535 at byte offset 62")
    data_folder(w, "vocab-over-base", meta_text=meta(vocab=512),
                files={"train_0.bin": token_bytes([300, 511] + tokens(0, "train")[2:])})
    data_case(w, "vocab-over-base", f"comigs: data.path: {d}/vocab-over-base: vocabulary 512 exceeds the base's 256")
    data_case(w, "base-vocab-too-small", f"comigs: data.path: {d}/valid: vocabulary 256 exceeds the base's 64",
              path=f"{d}/valid", model={"base": f"{REL}/models/small-vocab.safetensors", "context": 16})
    data_folder(w, "missing-split", files={"test_2.bin": None})
    data_case(w, "missing-split", f"comigs: data.path: {d}/missing-split/4/test_2.bin: cannot read token file")
    data_folder(w, "empty-split", files={"valid_1.bin": b""})
    data_case(w, "empty-split", "comigs: data.path: client 1 (b): its valid split has 0 tokens, fewer than a window of 17")
    data_folder(w, "short-split", files={"test_3.bin": token_bytes(tokens(3, "test", 17))})
    data_case(w, "short-split", "comigs: data.path: client 3 (d): its test split has 17 tokens, fewer than a window of 17")
    data_folder(w, "split-is-folder", files={"train_0.bin": None, "train_0.bin/.keep": b""})
    data_case(w, "split-is-folder", f"comigs: data.path: {d}/split-is-folder/4/train_0.bin: cannot read token file")
    data_folder(w, "missing-meta", files={"meta.json": None})
    data_case(w, "missing-meta", f"comigs: data.path: {d}/missing-meta: expected one <num_clients>/meta.json folder, found none")
    data_folder(w, "malformed-meta", meta_text='{"tokenizer": "byte", "vocab_size": 256,\n')
    data_case(w, "malformed-meta", f"comigs: data.path: {d}/malformed-meta/4/meta.json: malformed")
    data_folder(w, "meta-not-object", meta_text="[]\n")
    data_case(w, "meta-not-object", f"comigs: data.path: {d}/meta-not-object/4/meta.json: malformed")
    data_folder(w, "meta-wrong-type", meta_text=meta(vocab="256"))
    data_case(w, "meta-wrong-type", f"comigs: data.path: {d}/meta-wrong-type/4/meta.json: malformed")
    data_folder(w, "meta-missing-field", meta_text=json.dumps({"tokenizer": "byte", "vocab_size": 256, "clients": NAMES}))
    data_case(w, "meta-missing-field", f"comigs: data.path: {d}/meta-missing-field/4/meta.json: malformed")
    data_folder(w, "meta-negative-seed", meta_text=meta(split_seed=-1))
    data_case(w, "meta-negative-seed", f"comigs: data.path: {d}/meta-negative-seed/4/meta.json: malformed")
    data_folder(w, "meta-bad-utf8", meta_text=meta().encode().replace(b'"byte"', b'"by\xfft"'))
    data_case(w, "meta-bad-utf8", f"comigs: data.path: {d}/meta-bad-utf8/4/meta.json: malformed")
    data_folder(w, "meta-fewer-clients", meta_text=meta(NAMES[:3]))
    data_case(w, "meta-fewer-clients", f"comigs: clients: 4 clients, but {d}/meta-fewer-clients holds data for 3")
    data_folder(w, "meta-more-clients", meta_text=meta(NAMES + ["e"]))
    data_case(w, "meta-more-clients", f"comigs: data.path: {d}/meta-more-clients/4/train_4.bin: cannot read token file")
    data_folder(w, "meta-no-clients", meta_text=meta([]))
    data_case(w, "meta-no-clients", f"comigs: clients: 4 clients, but {d}/meta-no-clients holds data for 0")
    data_folder(w, "meta-zero-vocab", meta_text=meta(vocab=0))
    data_case(w, "meta-zero-vocab", f"comigs: data.path: {d}/meta-zero-vocab/4/train_0.bin: token 10 at byte offset 0 "
              "is outside the vocabulary (size 0)")
    data_folder(w, "origin-wrong-length", origins=True, files={"train_origin_1.bin": bytes(TOKENS - 1)})
    data_case(w, "origin-wrong-length", f"comigs: data.path: {d}/origin-wrong-length/4/train_origin_1.bin: 31 labels for 32 tokens")
    data_folder(w, "origin-label-2", origins=True, files={"valid_origin_2.bin": bytes([0, 1] * 10 + [2] + [0] * 11)})
    data_case(w, "origin-label-2", f"comigs: data.path: {d}/origin-label-2/4/valid_origin_2.bin: label 2 at offset 20 (labels are 0 or 1)")
    data_folder(w, "origin-label-255", origins=True, files={"test_origin_0.bin": bytes([255] * TOKENS)})
    data_case(w, "origin-label-255", f"comigs: data.path: {d}/origin-label-255/4/test_origin_0.bin: label 255 at offset 0")
    data_folder(w, "origin-missing", origins=True, files={"test_origin_3.bin": None})
    data_case(w, "origin-missing", f"comigs: data.path: {d}/origin-missing/4/test_origin_3.bin: missing origin labels")
    data_folder(w, "two-count-folders", count=3, clients=3)
    data_folder(w, "two-count-folders", count=4, clients=4)
    data_case(w, "two-count-folders", f"comigs: data.path: {d}/two-count-folders: expected one <num_clients>/meta.json folder, found 3, 4")
    data_case(w, "path-is-file", f"comigs: data.path: {REL}/expected.tsv: expected one <num_clients>/meta.json folder, found none",
              path=f"{REL}/expected.tsv")
    data_case(w, "fewer-scenario-clients", f"comigs: clients: 3 clients, but {d}/valid holds data for 4",
              path=f"{d}/valid", clients=3)


# --- Corrupt base checkpoints ----------------------------------------------

def safetensors(header, data=b"", length=None):
    h = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(h) if length is None else length) + h + data


def tiny_config(**kw):
    c = {"n_layer": 1, "n_embd": 8, "n_head": 1, "n_positions": 16, "vocab_size": 64}
    c.update(kw)
    return json.dumps(c)


def tiny_model(config):
    """Every tensor of a GPT of this config (deterministic small values), as safetensors."""
    c = json.loads(config)
    e, v, p, L = c["n_embd"], c["vocab_size"], c["n_positions"], c["n_layer"]
    shapes = [("transformer.wte.weight", [v, e]), ("transformer.wpe.weight", [p, e])]
    for l in range(L):
        h = f"transformer.h.{l}"
        shapes += [(f"{h}.ln_1.weight", [e]), (f"{h}.ln_1.bias", [e]), (f"{h}.attn.c_attn.weight", [3 * e, e]),
                   (f"{h}.attn.c_attn.bias", [3 * e]), (f"{h}.attn.c_proj.weight", [e, e]), (f"{h}.attn.c_proj.bias", [e]),
                   (f"{h}.ln_2.weight", [e]), (f"{h}.ln_2.bias", [e]), (f"{h}.mlp.c_fc.weight", [4 * e, e]),
                   (f"{h}.mlp.c_fc.bias", [4 * e]), (f"{h}.mlp.c_proj.weight", [e, 4 * e]), (f"{h}.mlp.c_proj.bias", [e])]
    shapes += [("transformer.ln_f.weight", [e]), ("transformer.ln_f.bias", [e])]
    header = {"__metadata__": {"format": "comigs", "config": config,
                               "adapters": '{"rank":0,"trainBase":true,"alpha":16,"experts":1,"router":"top_k","generalistImportance":0.5}'}}
    blob, off = b"", 0
    for name, shape in shapes:
        n = 1
        for s in shape:
            n *= s
        vals = [1.0 if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight")
                else ((i * 37) % 17 - 8) * 0.002 for i in range(n)]
        blob += struct.pack(f"<{n}f", *vals)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + 4 * n]}
        off += 4 * n
    return safetensors(header, blob)


def models(w):
    m = "models"
    w.file(f"{m}/not-a-checkpoint.txt", "This is a text file, not a safetensors checkpoint.\n")
    w.file(f"{m}/empty.safetensors", b"")
    w.file(f"{m}/short.safetensors", b"\x05\x00\x00")
    w.file(f"{m}/huge-header-length.safetensors", b"\xff" * 8 + b"{}")
    w.file(f"{m}/header-not-json.safetensors", safetensors(b"hello!"))
    w.file(f"{m}/header-array.safetensors", safetensors([]))
    w.file(f"{m}/no-config.safetensors", safetensors({"__metadata__": {"format": "comigs"}}))
    w.file(f"{m}/config-not-json.safetensors", safetensors({"__metadata__": {"format": "comigs", "config": "{n_layer: 1"}}))
    w.file(f"{m}/adapters-only.safetensors", safetensors({"__metadata__": {"format": "comigs-adapters", "config": tiny_config()}}))
    w.file(f"{m}/invalid-config.safetensors", safetensors({"__metadata__": {"format": "comigs", "config": tiny_config(n_head=3)}}))
    w.file(f"{m}/zero-layers.safetensors", safetensors({"__metadata__": {"format": "comigs", "config": tiny_config(n_layer=0)}}))
    w.file(f"{m}/vocab-too-big.safetensors", safetensors({"__metadata__": {"format": "comigs", "config": tiny_config(vocab_size=70000)}}))
    w.file(f"{m}/missing-tensors.safetensors", safetensors({"__metadata__": {"format": "comigs", "config": tiny_config()}}))
    w.file(f"{m}/shape-mismatch.safetensors", safetensors(
        {"__metadata__": {"format": "comigs", "config": tiny_config()},
         "transformer.wte.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, bytes(16)))
    w.file(f"{m}/bad-dtype.safetensors", safetensors(
        {"__metadata__": {"format": "comigs", "config": tiny_config()},
         "transformer.wte.weight": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}}, bytes(16)))
    w.file(f"{m}/bad-offsets.safetensors", safetensors(
        {"__metadata__": {"format": "comigs", "config": tiny_config()},
         "transformer.wte.weight": {"dtype": "F32", "shape": [64, 8], "data_offsets": [0, 2048]}}, bytes(16)))
    w.file(f"{m}/overflowing-shape.safetensors", safetensors(
        {"__metadata__": {"format": "comigs", "config": tiny_config()},
         "transformer.wte.weight": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 0]}}))
    w.file(f"{m}/truncated.safetensors", tiny_model(tiny_config())[:-100])
    w.file(f"{m}/small-vocab.safetensors", tiny_model(tiny_config()))
    w.file(f"{m}/hf-no-config/.keep", b"")
    w.file(f"{m}/hf-config-not-json/config.json", "n_layer = 1\n")
    w.file(f"{m}/hf-bad-config/config.json", json.dumps({"n_layer": 1, "n_head": 0, "n_embd": 8, "n_positions": 16, "vocab_size": 64}))
    w.file(f"{m}/hf-missing-key/config.json", json.dumps({"n_layer": 1, "n_head": 1, "n_embd": 8, "vocab_size": 64}))
    w.file(f"{m}/hf-no-weights/config.json", json.dumps({"n_layer": 1, "n_head": 1, "n_embd": 8, "n_positions": 16, "vocab_size": 64}))


def controls(w):
    w.file("controls/valid.json", json.dumps(VALID, indent=1) + "\n")
    w.file("controls/valid-data.json", json.dumps(
        {"name": "good-data", "rounds": 1, "local_steps": 1, "batch": 4, "micro_batch": 4, "model": {"context": 16},
         "data": {"source": "folder", "path": f"{REL}/data/valid-origins"}, "clients": 4}, indent=1) + "\n")


def manifest(rows):
    path = os.path.join(HERE, "expected.tsv")
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    begin, end = "# BEGIN generated (generate.py rewrites this part)\n", "# END generated\n"
    if begin in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
    else:
        head, tail = text, ""
    body = "".join(f"{f}\t{e}\n" for f, e in rows)
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + begin + body + end + tail)


def main():
    for d in ["generated", "data", "models", "controls"]:
        shutil.rmtree(os.path.join(HERE, d), ignore_errors=True)
    w = Writer()
    generated(w)
    data(w)
    models(w)
    controls(w)
    manifest(w.rows)
    print(f"{len(w.rows)} generated cases")


if __name__ == "__main__":
    main()
