"""The TAXII 2.1 adapter: discovery, API root, collections, objects, manifest, versions, status."""
