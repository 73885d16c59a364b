// Prolly trees: see Tree.swift.
