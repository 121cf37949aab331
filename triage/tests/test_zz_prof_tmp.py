from collections import Counter
import time
from hypothesis import given, settings
from triage.tests import test_rules as t
from triage.rules import evaluate, pg_ready

def test_dist():
    c = Counter()
    @settings(max_examples=200, deadline=None, derandomize=True, database=None)
    @given(t.histories())
    def inner(case):
        h, now = case
        fs = evaluate(h, t.TH, now)
        c.update({f.rule for f in fs}); c["n"] += 1
        kinds = {f.kind for f in fs}
        raw = pg_ready(h, t.TH, now)
        if raw: c["pg_raw"] += 1
        if raw and (h.referral_hold or "referral" in kinds): c["pg_raw_and_referral"] += 1
        if raw and ("referral" in kinds): c["pg_raw_and_referral_finding"] += 1
        if raw and ("regression" in kinds): c["pg_raw_and_regression"] += 1
        if not fs: c["empty"] += 1
    t0=time.perf_counter(); inner(); print(time.perf_counter()-t0)
    print(sorted(c.items()))
