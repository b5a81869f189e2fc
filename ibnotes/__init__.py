"""ibnotes: the support package of the Information Bottleneck book.

Importing the package has no side effects: no seeding, no thread changes and
no heavy optional imports. Import the submodules you need, for example
``from ibnotes import mi, runtime``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
