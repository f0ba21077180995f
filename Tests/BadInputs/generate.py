#!/usr/bin/env python3
"""Writes the generated bad inputs of Tests/BadInputs (issue 8, item 4).

    python3 Tests/BadInputs/generate.py      # from the package root or anywhere

It (re)writes, deterministically:
  generated/*             mutations of VALID (the scenario below): truncations, wrong
                          types and huge/negative values for every key, non-JSON
                          literals, junk and control characters, invalid UTF-8, BOM,
                          deep nesting, wrong top-level values, duplicate keys, ...
  data/<case>/<n>/...     tiny corrupt prepared-data folders (one defect each, including
                          disagreements with their own meta.json) and
  data/<case>.json        the scenario that runs each of them
  traces/<case>/*.csv     device traces with one defect each (issue 17 §1), and
  traces/<case>.json      the scenario that draws its clients from each (or a bad population object)
  models/*                corrupt base checkpoints the hand-written scenarios/base-*.json use,
                          and (issue 14) models/<case>.safetensors|<case>/ with the scenario
                          models/<case>.json that runs it: files that are well-formed but
                          disagree with their own header, config or values
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
    "eval_windows": 4,
    "compat": "paper",
    "eval_when": "before_aggregation",
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

# Every key of Sources/Experiments/Scenario/ScenarioKeys.swift with its kind
# (clients[] keys as client 0's, which sets them all in VALID).
KEYS = [
    ("name", "string"), ("label", "string"), ("seeds", "ints"), ("rounds", "int"), ("local_steps", "int"),
    ("batch", "int"), ("micro_batch", "int"), ("eval_every", "int"), ("eval_windows", "int"), ("eval_when", "choice"), ("compat", "choice"),
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

    # Names become folder names: one file name, never a path (issue 27 §7); seeds never repeat.
    w.case("name-parent.json", with_value(VALID, "name", '"../../x"'), "comigs: name: \"../../x\" holds '/'")
    w.case("name-slash.json", with_value(VALID, "name", '"runs/a"'), "comigs: name: \"runs/a\" holds '/'")
    w.case("name-dot.json", with_value(VALID, "name", '".."'), "comigs: name: \"..\" starts with '.'")
    w.case("name-long.json", with_value(VALID, "name", '"' + "n" * 101 + '"'), "comigs: name: 101 bytes; at most 100")
    w.case("seeds-repeated.json", with_value(VALID, "seeds", "[0, 1, 0]"), "comigs: seeds: 0 is listed twice (at 0 and 2)")
    # A LoRA rank above min(in, out) = n_embd (128) of the base's matrices, for one client.
    ranks = json.loads(json.dumps(VALID))
    ranks["method"] = {"name": "hetlora", "rank": [8, 8, 8, 1024]}
    w.case("rank-above-width.json", json.dumps(ranks, indent=1),
           "comigs: method.rank: client 3 (d): LoRA rank 1024 exceeds 128 = min(in, out)")
    # A base that learned another language than the data's (its metadata says which).
    english = json.loads(json.dumps(VALID))
    english["model"]["base"] = "models/english-byte-tiny.safetensors"
    w.case("base-other-language.json", json.dumps(english, indent=1),
           "comigs: model.base: models/english-byte-tiny.safetensors learned English prose, byte tokens (english-prose/byte), "
           "but the data (data.source) is the synthetic corpus's general language")

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
           "comigs: name: \"bad\\u0000name\" holds control character U+0000")
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


def meta(clients=NAMES, vocab=256, origins=False, counts=None, **overrides):
    """meta.json text; `counts[c][split]` are the token counts it records (default TOKENS)."""
    m = {"tokenizer": "byte", "vocab_size": vocab, "clients": list(clients),
         "tokens": [{s: (counts[c][s] if counts and c < len(counts) else TOKENS) for s in SPLITS} for c in range(len(clients))],
         "source": "synthetic", "split_seed": 0, "origins": origins, "parameters": {"note": "Tests/BadInputs fixture"}}
    m.update(overrides)
    return json.dumps(m, indent=1) + "\n"


def data_folder(w, case, count=4, clients=4, origins=False, meta_text=None, files=None, **meta_kw):
    """A prepared folder data/<case>/<count>/ with `clients` clients; `files`
    maps a file name to bytes (replacing) or None (removing). Unless `meta_text` is
    given, meta.json records the token counts of the files as written, so each case
    has only its one defect."""
    root = f"data/{case}/{count}"
    content = {}
    for c in range(clients):
        for s in SPLITS:
            content[f"{s}_{c}.bin"] = token_bytes(tokens(c, s))
            if origins:
                content[f"{s}_origin_{c}.bin"] = bytes((i // 3) % 2 for i in range(TOKENS))
    for k, v in (files or {}).items():
        if k == "meta.json":
            continue
        if v is None:
            content.pop(k, None)
        else:
            content[k] = v
    if files and "meta.json" in files:
        meta_text = files["meta.json"]
    elif meta_text is None:
        counts = [{s: len(content.get(f"{s}_{c}.bin", b"")) // 2 if f"{s}_{c}.bin" in content else TOKENS for s in SPLITS}
                  for c in range(clients)]
        meta_text = meta(NAMES[:clients], origins=origins, counts=counts, **meta_kw)
    if meta_text is not None:
        content["meta.json"] = meta_text if isinstance(meta_text, bytes) else meta_text.encode()
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

    # A `data synth` folder of a generator whose general language still moved with the seed.
    old_world = {"world": "hidden-origin", "private_share": "0.5", "divergence": "0.7", "shared": "0.5"}
    data_folder(w, "synthetic-seed-1-before-fixed-language", origins=True, split_seed=1, parameters=old_world)
    data_case(w, "synthetic-seed-1-before-fixed-language",
              f"comigs: data.path: {d}/synthetic-seed-1-before-fixed-language/meta.json: its general language (seed 1's, "
              "from a generator before it was fixed) is not the synthetic corpus's")
    data_folder(w, "synthetic-other-language", origins=True,
                parameters=dict(old_world, general_language="synthetic-general/0000000000000000"))
    data_case(w, "synthetic-other-language",
              f"comigs: data.path: {d}/synthetic-other-language/meta.json: its general language (synthetic-general/0000000000000000)")

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
    data_case(w, "missing-split", f"comigs: data.path: {d}/missing-split/4/test_2.bin: missing (meta.json lists 4 clients, numbered 0…3)")
    data_folder(w, "empty-split", files={"valid_1.bin": b""})
    data_case(w, "empty-split", "comigs: data.path: client 1 (b): its valid split has 0 tokens, fewer than one window of 17 (context 16 + 1)")
    # One token short of the rule (context + 1 = 17 tokens); controls/valid-boundary.json runs 17.
    data_folder(w, "short-split", files={"test_3.bin": token_bytes(tokens(3, "test", 16))})
    data_case(w, "short-split", "comigs: data.path: client 3 (d): its test split has 16 tokens, fewer than one window of 17 (context 16 + 1)")
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
    data_case(w, "meta-fewer-clients", f"comigs: data.path: {d}/meta-fewer-clients/4/meta.json: lists 3 clients, but its folder is named 4")
    data_folder(w, "meta-more-clients", meta_text=meta(NAMES + ["e"]))
    data_case(w, "meta-more-clients", f"comigs: data.path: {d}/meta-more-clients/4/meta.json: lists 5 clients, but its folder is named 4")
    data_folder(w, "meta-no-clients", meta_text=meta([]))
    data_case(w, "meta-no-clients", f"comigs: data.path: {d}/meta-no-clients/4/meta.json: lists 0 clients, but its folder is named 4")
    data_folder(w, "meta-zero-vocab", meta_text=meta(vocab=0))
    data_case(w, "meta-zero-vocab", f"comigs: data.path: {d}/meta-zero-vocab/4/meta.json: vocab_size 0 must be at least 1")
    data_folder(w, "origin-wrong-length", origins=True, files={"train_origin_1.bin": bytes(TOKENS - 1)})
    data_case(w, "origin-wrong-length", f"comigs: data.path: {d}/origin-wrong-length/4/train_origin_1.bin: 31 labels for 32 tokens")
    data_folder(w, "origin-label-2", origins=True, files={"valid_origin_2.bin": bytes([0, 1] * 10 + [2] + [0] * 11)})
    data_case(w, "origin-label-2", f"comigs: data.path: {d}/origin-label-2/4/valid_origin_2.bin: label 2 at offset 20 (labels are 0 or 1)")
    data_folder(w, "origin-label-255", origins=True, files={"test_origin_0.bin": bytes([255] * TOKENS)})
    data_case(w, "origin-label-255", f"comigs: data.path: {d}/origin-label-255/4/test_origin_0.bin: label 255 at offset 0")
    data_folder(w, "origin-missing", origins=True, files={"test_origin_3.bin": None})
    data_case(w, "origin-missing", f"comigs: data.path: {d}/origin-missing/4/test_origin_3.bin: missing origin labels (meta.json says origins: true)")
    data_folder(w, "two-count-folders", count=3, clients=3)
    data_folder(w, "two-count-folders", count=4, clients=4)
    data_case(w, "two-count-folders", f"comigs: data.path: {d}/two-count-folders: expected one <num_clients>/meta.json folder, found 3, 4")
    data_case(w, "path-is-file", f"comigs: data.path: {REL}/expected.tsv: expected one <num_clients>/meta.json folder, found none",
              path=f"{REL}/expected.tsv")
    data_case(w, "fewer-scenario-clients", f"comigs: clients: 3 clients, but {d}/valid holds data for 4",
              path=f"{d}/valid", clients=3)

    # Consistency of a folder with its own meta.json (issue 14).
    counts = [{s: TOKENS for s in SPLITS} for _ in NAMES]
    counts[1] = {"train": TOKENS + 1, "valid": TOKENS, "test": TOKENS}
    data_folder(w, "count-over-meta", meta_text=meta(counts=counts))
    data_case(w, "count-over-meta", f"comigs: data.path: {d}/count-over-meta/4/train_1.bin: 32 tokens, but meta.json records 33 (tokens[1].train)")
    counts = [{s: TOKENS for s in SPLITS} for _ in NAMES]
    counts[3] = {"train": TOKENS, "valid": TOKENS, "test": TOKENS - 5}
    data_folder(w, "count-under-meta", meta_text=meta(counts=counts))
    data_case(w, "count-under-meta", f"comigs: data.path: {d}/count-under-meta/4/test_3.bin: 32 tokens, but meta.json records 27 (tokens[3].test)")
    data_folder(w, "meta-negative-count", meta_text=meta(counts=[{"train": TOKENS, "valid": -1, "test": TOKENS}]))
    data_case(w, "meta-negative-count", f"comigs: data.path: {d}/meta-negative-count/4/valid_0.bin: 32 tokens, but meta.json records -1 (tokens[0].valid)")
    data_folder(w, "meta-tokens-short", meta_text=meta(tokens=[{s: TOKENS for s in SPLITS}] * 3))
    data_case(w, "meta-tokens-short", f"comigs: data.path: {d}/meta-tokens-short/4/meta.json: tokens has 3 entries for 4 clients")
    data_folder(w, "folder-name-off", count=5)
    data_case(w, "folder-name-off", f"comigs: data.path: {d}/folder-name-off/5/meta.json: lists 4 clients, but its folder is named 5")
    data_folder(w, "client-gap", files={"train_2.bin": None, "valid_2.bin": None, "test_2.bin": None})
    data_case(w, "client-gap", f"comigs: data.path: {d}/client-gap/4/train_2.bin: missing (meta.json lists 4 clients, numbered 0…3)")
    data_folder(w, "extra-client-file", files={"valid_4.bin": token_bytes(tokens(0, "valid"))})
    data_case(w, "extra-client-file", f"comigs: data.path: {d}/extra-client-file/4/valid_4.bin: no client 4 in meta.json (4 clients, numbered 0…3)")
    data_folder(w, "extra-origin-file", origins=True, files={"test_origin_7.bin": bytes(TOKENS)})
    data_case(w, "extra-origin-file", f"comigs: data.path: {d}/extra-origin-file/4/test_origin_7.bin: no client 7 in meta.json")
    data_folder(w, "origins-not-declared", files={"valid_origin_1.bin": bytes(TOKENS)})
    data_case(w, "origins-not-declared", f"comigs: data.path: {d}/origins-not-declared/4/valid_origin_1.bin: origin labels, but meta.json says origins: false")
    data_folder(w, "duplicate-names", clients=4, meta_text=meta(["a", "b", "a", "d"]))
    data_case(w, "duplicate-names", f'comigs: data.path: {d}/duplicate-names/4/meta.json: clients[2] repeats the name "a"')
    data_folder(w, "empty-name", meta_text=meta(["a", "", "c", "d"]))
    data_case(w, "empty-name", f"comigs: data.path: {d}/empty-name/4/meta.json: clients[1] is not a one-line name")
    data_folder(w, "name-with-newline", meta_text=meta(["a", "b", "c\nd", "e"]))
    data_case(w, "name-with-newline", f"comigs: data.path: {d}/name-with-newline/4/meta.json: clients[2] is not a one-line name")
    data_folder(w, "origin-too-long", origins=True, files={"valid_origin_0.bin": bytes(TOKENS + 1)})
    data_case(w, "origin-too-long", f"comigs: data.path: {d}/origin-too-long/4/valid_origin_0.bin: 33 labels for 32 tokens")
    # The boundary itself: a split of exactly context + 1 tokens is accepted (controls/valid-boundary.json).
    data_folder(w, "valid-boundary", files={"valid_2.bin": token_bytes(tokens(2, "valid", 17)),
                                            "test_0.bin": token_bytes(tokens(0, "test", 17))})


# --- Corrupt base checkpoints ----------------------------------------------

def safetensors(header, data=b"", length=None):
    h = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(h) if length is None else length) + h + data


def tiny_config(**kw):
    c = {"n_layer": 1, "n_embd": 8, "n_head": 1, "n_positions": 16, "vocab_size": 64}
    c.update(kw)
    return json.dumps(c)


def tiny_model(config, header_config=None, layers=None, prefix="transformer.", extra=(), dtype=None, poke=None, layout=None,
               metadata=None, raw_header=None):
    """Every tensor of a GPT of this config (deterministic small values), as safetensors.
    Mutations for the bad inputs: `layers` tensors for another layer count than the
    config's, `prefix` "" for Hugging Face names, `extra` (name, shape) tensors, `dtype`
    {name: "F16"} storage, `poke` {name: (index, value)}, `layout(entries) -> entries`
    to rewrite the header's (name, dtype, shape, [begin, end]) list, `header_config` as the
    config the metadata states (default `config`), `metadata` instead of
    the comigs one, `raw_header(text) -> text` on the header JSON."""
    c = json.loads(config)
    e, v, p = c["n_embd"], c["vocab_size"], c["n_positions"]
    L = c["n_layer"] if layers is None else layers
    shapes = [("transformer.wte.weight", [v, e]), ("transformer.wpe.weight", [p, e])]
    for l in range(L):
        h = f"transformer.h.{l}"
        shapes += [(f"{h}.ln_1.weight", [e]), (f"{h}.ln_1.bias", [e]), (f"{h}.attn.c_attn.weight", [3 * e, e]),
                   (f"{h}.attn.c_attn.bias", [3 * e]), (f"{h}.attn.c_proj.weight", [e, e]), (f"{h}.attn.c_proj.bias", [e]),
                   (f"{h}.ln_2.weight", [e]), (f"{h}.ln_2.bias", [e]), (f"{h}.mlp.c_fc.weight", [4 * e, e]),
                   (f"{h}.mlp.c_fc.bias", [4 * e]), (f"{h}.mlp.c_proj.weight", [e, 4 * e]), (f"{h}.mlp.c_proj.bias", [e])]
    shapes += [("transformer.ln_f.weight", [e]), ("transformer.ln_f.bias", [e])]
    shapes += list(extra)
    shapes = [(prefix + n[len("transformer."):] if n.startswith("transformer.") else n, sh) for n, sh in shapes]
    header = {"__metadata__": metadata if metadata is not None else {
        "format": "comigs", "config": header_config or config,
        "adapters": '{"rank":0,"trainBase":true,"alpha":16,"experts":1,"router":"top_k","generalistImportance":0.5}'}}
    blob, off, entries = b"", 0, []
    for name, shape in shapes:
        n = 1
        for s in shape:
            n *= s
        vals = [1.0 if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight")
                else ((i * 37) % 17 - 8) * 0.002 for i in range(n)]
        if poke and name in poke:
            vals[poke[name][0]] = poke[name][1]
        dt = (dtype or {}).get(name, "F32")
        part = struct.pack(f"<{n}e" if dt == "F16" else f"<{n}f", *vals)
        blob += part
        entries.append((name, dt, shape, [off, off + len(part)]))
        off += len(part)
    if layout:
        entries = layout(entries)
    for name, dt, shape, offsets in entries:
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": offsets}
    if metadata == {}:
        del header["__metadata__"]
    text = json.dumps(header)
    if raw_header:
        text = raw_header(text)
    end = max([o[1] for _, _, _, o in entries] + [0])
    return safetensors(text if isinstance(text, bytes) else text.encode(), blob + bytes(max(0, end - len(blob))))


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
    w.file(f"{m}/shape-mismatch.safetensors", tiny_model(tiny_config(), header_config=tiny_config(vocab_size=32)))
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


def model_case(w, case, content, expected, hf_config=None):
    """models/<case>.safetensors (or a Hugging Face folder models/<case>/ when `hf_config`
    is given) and the scenario models/<case>.json that runs it as the base."""
    if hf_config is None:
        w.file(f"models/{case}.safetensors", content)
        base = f"{REL}/models/{case}.safetensors"
    else:
        w.file(f"models/{case}/model.safetensors", content)
        w.file(f"models/{case}/config.json", json.dumps(hf_config))
        base = f"{REL}/models/{case}"
    s = {"name": f"bad-model-{case}", "rounds": 1, "local_steps": 1, "batch": 4, "micro_batch": 4,
         "model": {"base": base, "context": 16}, "data": {"synthetic": {"tokens": 1000}}, "clients": 4}
    w.file(f"models/{case}.json", json.dumps(s, indent=1) + "\n", expected.replace("{file}", base))


def consistency(w):
    """Base checkpoints that are well-formed JSON and bytes but disagree with their own
    header or config (issue 14): the reference loader's rules, then the project's."""
    cfg = tiny_config(vocab_size=256)
    w.file("models/valid-tiny.safetensors", tiny_model(cfg))  # controls/valid-model.json runs it
    p = "comigs: model.base: {file}"
    plain = []
    tiny_model(cfg, layout=lambda es: plain.extend(es) or es)
    start = {n: o[0] for n, _, _, o in plain}
    size = plain[-1][3][1]
    # Tiling of the data section (safetensors' own rules).
    def shift(k, by):
        def f(es):
            return [(n, d, sh, [o[0] + by, o[1] + by] if i >= k else o) for i, (n, d, sh, o) in enumerate(es)]
        return f
    model_case(w, "st-gap", tiny_model(cfg, layout=shift(3, 8)),
               p + f": bytes {start['transformer.h.0.ln_1.bias']}..<{start['transformer.h.0.ln_1.bias'] + 8} of the data section "
               "belong to no tensor (gap before 'transformer.h.0.ln_1.bias')")
    model_case(w, "st-first-not-at-zero", tiny_model(cfg, layout=shift(0, 4)),
               p + ": bytes 0..<4 of the data section belong to no tensor (gap before 'transformer.wte.weight')")
    model_case(w, "st-overlap", tiny_model(cfg, layout=shift(5, -16)),
               p + f": tensor 'transformer.h.0.attn.c_attn.bias' (bytes {start['transformer.h.0.attn.c_attn.bias'] - 16}..<"
               f"{start['transformer.h.0.attn.c_attn.bias'] + 80}) overlaps tensor 'transformer.h.0.attn.c_attn.weight' "
               f"(ends at {start['transformer.h.0.attn.c_attn.bias']})")
    model_case(w, "st-trailing-bytes", tiny_model(cfg) + bytes(12),
               p + f": bytes {size}..<{size + 12} of the data section belong to no tensor (12 bytes after the last)")
    model_case(w, "st-reversed-offsets", tiny_model(cfg, layout=lambda es: [(n, d, sh, [o[1], o[0]] if n.endswith("ln_f.bias") else o)
                                                                          for n, d, sh, o in es]),
               p + ": tensor 'transformer.ln_f.bias' has a malformed header entry")
    model_case(w, "st-dtype-size", tiny_model(cfg, layout=lambda es: [(n, "F16" if n.endswith("ln_f.weight") else d, sh, o)
                                                                    for n, d, sh, o in es]),
               p + ": tensor 'transformer.ln_f.weight' shape [8] does not match its 32 bytes")
    model_case(w, "st-negative-dim", tiny_model(cfg, layout=lambda es: [(n, d, [-1, 8] if n == "transformer.wpe.weight" else sh, o)
                                                                      for n, d, sh, o in es]),
               p + ": tensor 'transformer.wpe.weight' has a malformed header entry")
    model_case(w, "st-fractional-dim", tiny_model(cfg, raw_header=lambda t: t.replace('"shape": [16, 8]', '"shape": [16.5, 8]', 1)),
               p + ": tensor 'transformer.wpe.weight' has a malformed header entry")
    model_case(w, "st-duplicate-tensor", tiny_model(cfg, raw_header=lambda t: t.replace(
        '"transformer.ln_f.bias"', '"transformer.ln_f.weight"', 1)),
               p + ": header is not a JSON object (line 1, column ")
    model_case(w, "st-metadata-not-string", tiny_model(cfg, raw_header=lambda t: t.replace('"format": "comigs"', '"format": 1', 1)),
               p + ": __metadata__ key 'format' holds an integer, expected a string")
    model_case(w, "st-metadata-not-object", tiny_model(cfg, metadata={"format": "comigs"}, raw_header=lambda t: t.replace(
        '{"__metadata__": {"format": "comigs"}', '{"__metadata__": ["comigs"]', 1)),
               p + ": __metadata__ is not an object of strings")
    model_case(w, "st-header-not-utf8", tiny_model(cfg, raw_header=lambda t: t.encode().replace(b'"comigs"', b'"comi\xffgs"', 1)),
               p + ": header is not a JSON object (line 1, column ")
    # The project's rules: every tensor used, every needed one present, finite values.
    model_case(w, "config-fewer-layers", tiny_model(cfg, layers=2),
               p + ": tensors 'transformer.h.1.ln_1.weight', 'transformer.h.1.ln_1.bias', 'transformer.h.1.attn.c_attn.weight', … (12 in all) "
               "are not part of the model its metadata describes (n_layer 1, ")
    model_case(w, "config-more-layers", tiny_model(tiny_config(vocab_size=256, n_layer=3), layers=2),
               p + ": the model its metadata describes (n_layer 3, n_head 1, n_embd 8, n_positions 16, vocab_size 256) needs "
               "'transformer.h.2.ln_1.weight', 'transformer.h.2.ln_1.bias', 'transformer.h.2.attn.c_attn.weight', … (12 in all), missing from the file")
    model_case(w, "stray-tensor", tiny_model(cfg, extra=[("lm_head.weight", [256, 8])]),
               p + ": tensor 'lm_head.weight' is not part of the model its metadata describes")
    model_case(w, "nan-weight", tiny_model(cfg, poke={"transformer.h.0.mlp.c_fc.weight": (5, float("nan"))}),
               p + ": tensor 'transformer.h.0.mlp.c_fc.weight' holds nan at element 5 of 256; every weight must be finite")
    model_case(w, "inf-bias", tiny_model(cfg, poke={"transformer.ln_f.bias": (0, float("inf"))}),
               p + ": tensor 'transformer.ln_f.bias' holds inf at element 0 of 8")
    model_case(w, "f16-minus-inf", tiny_model(cfg, dtype={"transformer.wpe.weight": "F16"},
                                              poke={"transformer.wpe.weight": (100, float("-inf"))}),
               p + ": tensor 'transformer.wpe.weight' holds -inf at element 100 of 128")
    hf = {"n_layer": 1, "n_head": 1, "n_embd": 8, "n_positions": 16, "vocab_size": 256}
    def transposed(es):  # Hugging Face keeps Conv1D weights as [in, out]
        return [(n, d, list(reversed(sh)) if len(sh) == 2 and n.split(".")[-2] in ("c_attn", "c_proj", "c_fc") else sh, o) for n, d, sh, o in es]
    model_case(w, "hf-extra-tensor", tiny_model(cfg, prefix="", metadata={"format": "pt"}, layout=transposed,
                                                extra=[("h.0.mlp.gate.weight", [8])]),
               "comigs: model.base: {file}/model.safetensors: tensor 'h.0.mlp.gate.weight' is not part of GPT-2 of {file}/config.json", hf_config=hf)
    model_case(w, "hf-untied-head", tiny_model(cfg, prefix="", metadata={"format": "pt"}, layout=transposed,
                                               extra=[("lm_head.weight", [256, 8])], poke={"lm_head.weight": (3, 0.5)}),
               "comigs: model.base: {file}/model.safetensors: tensor 'lm_head.weight' differs from the token embedding", hf_config=hf)
    model_case(w, "hf-nan", tiny_model(cfg, prefix="", metadata={"format": "pt"}, layout=transposed,
                                       poke={"h.0.attn.c_proj.weight": (9, float("nan"))}),
               "comigs: model.base: {file}/model.safetensors: tensor 'h.0.attn.c_proj.weight' holds nan", hf_config=hf)


# --- Device traces (issue 17 §1) ------------------------------------------

TRACE_HEADER = "device_id,gflops,upload_mbps,download_mbps,memory_mib\n"
INTERVALS_HEADER = "device_id,period_s,start_s,end_s\n"
GOOD_DEVICES = TRACE_HEADER + "a,10,2,10,1536\nb,30,11,50,3072\nc,100,30,200,6144\n"
GOOD_INTERVALS = INTERVALS_HEADER + "a,3600,0,1800\nb,600,100,200\nb,600,300,600\n"


def trace_scenario(case, clients):
    return json.dumps({"name": f"bad-trace-{case}", "rounds": 1, "local_steps": 1, "batch": 4, "micro_batch": 4,
                       "numerics": False, "model": {"context": 16}, "clients": clients}, indent=1) + "\n"


def trace_case(w, case, expected, devices=GOOD_DEVICES, intervals=GOOD_INTERVALS, **population):
    """traces/<case>/devices.csv (+ availability.csv) and the scenario traces/<case>.json that
    draws 10 clients from them; `None` leaves a file out (named but missing)."""
    root = f"{REL}/traces/{case}"
    for name, content in [("devices.csv", devices), ("availability.csv", intervals)]:
        if content is not None:
            w.file(f"traces/{case}/{name}", content)
    clients = {"count": 10, "trace": f"{root}/devices.csv", "availability": f"{root}/availability.csv", **population}
    w.file(f"traces/{case}.json", trace_scenario(case, clients),
           expected.replace("{devices}", f"{root}/devices.csv").replace("{intervals}", f"{root}/availability.csv"))


def traces(w):
    dev = "comigs: clients.trace: {devices}: "
    for case, devices, why in [
        ("empty-file", "", 'line 1: expected the header device_id,gflops,upload_mbps,download_mbps,memory_mib, got ""'),
        ("header-short", "device_id,gflops,upload_mbps,download_mbps\na,1,2,3\n", "line 1: expected the header"),
        ("header-misspelt", GOOD_DEVICES.replace("device_id", "device", 1), "line 1: expected the header"),
        ("only-header", TRACE_HEADER, "no device, only the header"),
        ("fields-short", TRACE_HEADER + "a,10,2,10,1536\nb,30,11,50\n", "line 3: 4 fields, the header has 5"),
        ("fields-long", TRACE_HEADER + "a,10,2,10,1536,7\n", "line 2: 6 fields, the header has 5"),
        ("blank-line", TRACE_HEADER + "a,10,2,10,1536\n\nb,30,11,50,3072\n", "line 3: blank line"),
        ("not-a-number", GOOD_DEVICES.replace("b,30,", "b,fast,"), 'line 3, column 2 (gflops): expected a number, got "fast"'),
        ("nan", GOOD_DEVICES.replace("b,30,", "b,nan,"), 'line 3, column 2 (gflops): expected a number, got "nan"'),
        ("infinity", GOOD_DEVICES.replace(",6144", ",inf"), 'line 4, column 5 (memory_mib): expected a number, got "inf"'),
        ("hexadecimal", GOOD_DEVICES.replace("c,100,", "c,0x64,"), 'line 4, column 2 (gflops): expected a number, got "0x64"'),
        ("quoted-number", GOOD_DEVICES.replace("a,10,", 'a,"10",'), 'line 2, column 2 (gflops): expected a number'),
        ("zero-gflops", GOOD_DEVICES.replace("a,10,", "a,0,"), "line 2, column 2 (gflops): 0 is out of range [0.001, 1000000]"),
        ("negative-upload", GOOD_DEVICES.replace("b,30,11,", "b,30,-11,"), "line 3, column 3 (upload_mbps): -11 is out of range"),
        ("huge-download", GOOD_DEVICES.replace("c,100,30,200,", "c,100,30,2e6,"), "line 4, column 4 (download_mbps): 2e6 is out of range"),
        ("overflowing-memory", GOOD_DEVICES.replace(",1536", ",1e400"), "line 2, column 5 (memory_mib): 1e400 is out of range"),
        ("duplicate-id", GOOD_DEVICES + "a,1,1,1,1536\n", 'line 5, column 1 (device_id): device "a" is listed twice'),
        ("empty-id", GOOD_DEVICES + ",1,1,1,1536\n", "line 5, column 1 (device_id): empty device id"),
        ("id-with-space", GOOD_DEVICES + "d ,1,1,1,1536\n", 'line 5, column 1 (device_id): device id "d " holds a quote'),
        ("id-with-quote", GOOD_DEVICES + '"d",1,1,1,1536\n', "line 5, column 1 (device_id): device id"),
    ]:
        trace_case(w, case, dev + why, devices=devices)
    w.file("traces/invalid-utf8/devices.csv", TRACE_HEADER.encode() + b"caf\xe9,1,1,1,1536\n")
    w.file("traces/invalid-utf8.json", trace_scenario("invalid-utf8", {"count": 10, "trace": f"{REL}/traces/invalid-utf8/devices.csv"}),
           f"comigs: clients.trace: {REL}/traces/invalid-utf8/devices.csv: not UTF-8 text")
    trace_case(w, "missing-devices", dev + "no such file", devices=None, intervals=None)
    iv = "comigs: clients.availability: {intervals}: "
    for case, intervals, why in [
        ("intervals-header", "device,period_s,start_s,end_s\na,3600,0,1800\n", "line 1: expected the header device_id,period_s,start_s,end_s"),
        ("intervals-unknown-device", GOOD_INTERVALS + "z,60,0,30\n", 'line 5, column 1 (device_id): device "z" is not in'),
        ("intervals-empty", INTERVALS_HEADER + "a,3600,1800,1800\n", "line 2, column 4 (end_s): the interval ends at or before its start"),
        ("intervals-past-period", INTERVALS_HEADER + "a,3600,0,3601\n", "line 2, column 4 (end_s): the interval ends after the period"),
        ("intervals-zero-period", INTERVALS_HEADER + "a,0,0,0\n", "line 2, column 2 (period_s): the period must be positive"),
        ("intervals-negative-start", INTERVALS_HEADER + "a,3600,-5,10\n", "line 2, column 3 (start_s): -5 is out of range"),
        ("intervals-overlap", INTERVALS_HEADER + "b,600,100,300\nb,600,200,400\n",
         "line 3, column 3 (start_s): the interval starts before the device's previous one ends"),
        ("intervals-unsorted", INTERVALS_HEADER + "b,600,300,400\nb,600,100,200\n",
         "line 3, column 3 (start_s): the interval starts before the device's previous one ends"),
        ("intervals-period-changed", INTERVALS_HEADER + "b,600,100,200\nb,700,300,400\n", "line 3, column 2 (period_s): the device's period changed"),
        ("intervals-not-consecutive", INTERVALS_HEADER + "b,600,100,200\na,60,0,30\nb,600,300,400\n",
         'line 4, column 1 (device_id): device "b"\'s rows are not consecutive'),
        ("intervals-short-row", INTERVALS_HEADER + "a,3600,0\n", "line 2: 3 fields, the header has 4"),
    ]:
        trace_case(w, case, iv + why, intervals=intervals)
    trace_case(w, "missing-intervals", iv + "no such file", intervals=None)
    trace_case(w, "distinct-devices-too-few", "comigs: clients.count: 10 distinct devices (clients.replace is false), but {devices} has 3",
               replace=False)
    trace_case(w, "memory-too-small", "comigs: clients[0]: client-0 needs", devices=GOOD_DEVICES.replace(",1536", ",1").replace(",3072", ",1")
               .replace(",6144", ",1"))
    # Population keys that no file needs to refute.
    for case, clients, expected in [
        ("population-no-count", {"classes": {"mid": 1}}, "comigs: clients.count: required in a population object"),
        ("population-no-source", {"count": 10}, "comigs: clients: a population needs clients.trace or clients.classes"),
        ("population-both", {"count": 10, "trace": "x.csv", "classes": {"mid": 1}}, "comigs: clients: a population has clients.trace or clients.classes, not both"),
        ("population-shares", {"count": 10, "classes": {"low": 0.3, "mid": 0.3}}, "comigs: clients.classes: the shares sum to 0.6, not 1"),
        ("population-unknown-class", {"count": 10, "classes": {"tablet": 1}}, "comigs: clients.classes.tablet: unknown key"),
        ("population-replace-classes", {"count": 10, "classes": {"mid": 1}, "replace": True}, "comigs: clients.replace: only for a population drawn from clients.trace"),
        ("population-count-zero", {"count": 0, "classes": {"mid": 1}}, "comigs: clients.count: 0 is out of range 1…10000000"),
        ("population-count-type", {"count": "ten", "classes": {"mid": 1}}, 'comigs: clients.count: expected an integer, got a string "ten"'),
        ("population-unknown-key", {"count": 10, "clases": {"mid": 1}}, "comigs: clients.clases: unknown key, did you mean 'clients.classes'?"),
    ]:
        w.file(f"traces/{case}.json", trace_scenario(case, clients), expected)
    # The control: every file good (controls/valid-trace.json runs it).
    w.file("traces/valid/devices.csv", GOOD_DEVICES)
    w.file("traces/valid/availability.csv", GOOD_INTERVALS)


def controls(w):
    w.file("controls/valid.json", json.dumps(VALID, indent=1) + "\n")
    w.file("controls/valid-data.json", json.dumps(
        {"name": "good-data", "rounds": 1, "local_steps": 1, "batch": 4, "micro_batch": 4, "model": {"context": 16},
         "data": {"source": "folder", "path": f"{REL}/data/valid-origins"}, "clients": 4}, indent=1) + "\n")
    w.file("controls/valid-boundary.json", json.dumps(
        {"name": "boundary-data", "rounds": 1, "local_steps": 1, "batch": 4, "micro_batch": 4, "model": {"context": 16},
         "data": {"source": "folder", "path": f"{REL}/data/valid-boundary"}, "clients": 4}, indent=1) + "\n")
    w.file("controls/valid-model.json", json.dumps(
        {"name": "tiny-model", "rounds": 1, "local_steps": 1, "batch": 4, "micro_batch": 4,
         "model": {"base": f"{REL}/models/valid-tiny.safetensors", "context": 16}, "data": {"synthetic": {"tokens": 1000}},
         "clients": 4}, indent=1) + "\n")
    # The same tiny model in Hugging Face layout, with the buffers and tied head GPT-2 files hold.
    cfg = tiny_config(vocab_size=256)
    w.file("models/hf-valid/model.safetensors", tiny_model(cfg, prefix="", metadata={"format": "pt"}, layout=lambda es: [
        (n, d, list(reversed(sh)) if len(sh) == 2 and n.split(".")[-2] in ("c_attn", "c_proj", "c_fc") else sh, o) for n, d, sh, o in es],
        extra=[("h.0.attn.bias", [1, 1, 16, 16]), ("lm_head.weight", [256, 8])]))
    w.file("models/hf-valid/config.json", json.dumps({"n_layer": 1, "n_head": 1, "n_embd": 8, "n_positions": 16, "vocab_size": 256}))
    w.file("controls/valid-hf-model.json", json.dumps(
        {"name": "tiny-hf-model", "rounds": 1, "local_steps": 1, "batch": 4, "micro_batch": 4,
         "model": {"base": f"{REL}/models/hf-valid", "context": 16}, "data": {"synthetic": {"tokens": 1000}},
         "clients": 4}, indent=1) + "\n")
    w.file("controls/valid-trace.json", trace_scenario("valid", {"count": 10, "trace": f"{REL}/traces/valid/devices.csv",
                                                                 "availability": f"{REL}/traces/valid/availability.csv"}))


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
    for d in ["generated", "data", "models", "traces", "controls"]:
        shutil.rmtree(os.path.join(HERE, d), ignore_errors=True)
    w = Writer()
    generated(w)
    data(w)
    models(w)
    consistency(w)
    traces(w)
    controls(w)
    manifest(w.rows)
    print(f"{len(w.rows)} generated cases")


if __name__ == "__main__":
    main()
