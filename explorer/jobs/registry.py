"""JOB_KINDS: every kind of background work, by name (a worker is told a name, never a class)."""

from explorer.jobs.forecast import FORECAST
from explorer.jobs.kind import JobKind
from explorer.jobs.race import RACE
from explorer.jobs.seq2seq import CURVE, DECODE, SEQ2SEQ
from explorer.jobs.text import TEXT, TEXT_READ, TEXT_SAMPLE
from explorer.jobs.train import EXAMPLE, TRAIN
from explorer.jobs.words import READ, SCORE

JOB_KINDS: dict[str, JobKind] = {kind.name: kind for kind in (TRAIN, EXAMPLE, RACE, SEQ2SEQ, CURVE, DECODE,
                                                               FORECAST, READ, SCORE, TEXT, TEXT_SAMPLE,
                                                               TEXT_READ)}
