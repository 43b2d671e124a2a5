"""The demo year: a producer of clerks' sheets, loaded through the real importer like any upload."""
