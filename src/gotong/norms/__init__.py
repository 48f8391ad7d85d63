"""Norms of responsible state behaviour: the catalogue (UN GGE 2015 and regional norms, as data) and
members' implementation reports. Other domains (the taskforce, reports) use only this module.
"""

from gotong.norms.catalogue import Catalogue, Norm, NormItem, catalogue, norm

__all__ = ["Catalogue", "Norm", "NormItem", "catalogue", "norm"]
