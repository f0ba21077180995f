"""Prints every scalar of a TensorBoard event file as JSON, read with TensorBoard's own reader:
{tag: [[step, wall_time, value], ...]}.   python scripts/read-tensorboard.py EVENT_FILE"""
import json
import sys

from tensorboard.backend.event_processing import event_accumulator

acc = event_accumulator.EventAccumulator(sys.argv[1], size_guidance={event_accumulator.SCALARS: 0})
acc.Reload()
print(json.dumps({tag: [[e.step, e.wall_time, e.value] for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}))
