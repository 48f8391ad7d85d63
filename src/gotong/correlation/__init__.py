"""Correlation: which objects share observables (an IP, a domain, a hash) across organisations."""

from gotong.correlation.normalise import normalise
from gotong.correlation.observables import Observable, observables_of

__all__ = ["Observable", "normalise", "observables_of"]
