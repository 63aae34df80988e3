"""JOB_KINDS: every kind of background work, by name (a worker is told a name, never a class)."""

from explorer.jobs.forecast import FORECAST
from explorer.jobs.kind import JobKind
from explorer.jobs.race import RACE
from explorer.jobs.seq2seq import CURVE, DECODE, SEQ2SEQ
from explorer.jobs.train import EXAMPLE, TRAIN

JOB_KINDS: dict[str, JobKind] = {kind.name: kind for kind in (TRAIN, EXAMPLE, RACE, SEQ2SEQ, CURVE, DECODE,
                                                                  FORECAST)}
