"""Words added to the segmenter in any order cut text alike (segment.py `add`): the order a set gives depends on
PYTHONHASHSEED, so two processes of one brand cut 想问防晒能用吗 differently and answered it differently (qa17)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_two_processes_with_different_hash_seeds_answer_alike() -> None:
    script = ("from tests.content_cache import bundled_understanding\n"
              "u = bundled_understanding()\n"
              "for q in ['想问问防晒能用吗', '请问一下发货要多久', '想问下孕妇能用A醇吗']:\n"
              "    r = u.understand(q); print(r.decision.value, r.answers, round(r.candidates[0].score, 3))\n")
    outputs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}).stdout
               for seed in ("0", "23")]  # 23 cut 想 + 问 before
    assert outputs[0] == outputs[1] and outputs[0].startswith("answer ['our_sunscreen']"), outputs
