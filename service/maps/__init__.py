"""Map assets besides tiles: glyph fonts, sprites and styles (core only: no HTTP here)."""
