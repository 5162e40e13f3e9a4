"""Training instances, networks, exact evaluation, and their file formats."""

from nnsolve.training.instance import DataPoint, TrainingInstance
from nnsolve.training.network import Network, Neuron, evaluate, exact_fit, FitReport, training_error
from nnsolve.training.io import (instance_from_json, instance_to_json, network_from_json, network_to_json,
                                 read_instance, read_network, points_to_csv)

__all__ = ["DataPoint", "TrainingInstance", "Network", "Neuron", "evaluate", "exact_fit", "FitReport",
           "training_error", "instance_from_json", "instance_to_json", "network_from_json",
           "network_to_json", "read_instance", "read_network", "points_to_csv"]
