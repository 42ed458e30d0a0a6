"""Core detectors: ground truth, scale and durability, speed and the speed-quality study."""
