"""科创雨林 Rainforest: the innovation-policy platform of a city's science and technology bureau."""

__version__ = "0.1.0"
