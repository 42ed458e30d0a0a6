"""The image adapter: planted superpixel conjunctions and a real CNN on photos."""
