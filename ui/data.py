"""Cached reads for the pages. Every wrapper takes the data version first, so an import or undo makes fresh answers;
nothing else in the app caches."""

from __future__ import annotations

import streamlit as st

from analytics.rules import rulebook as rb
from analytics.sheets import ingest
from analytics.store import catalog as catalog_module
from analytics.store.catalog import Catalog
from ui.db import cursor


@st.cache_data(show_spinner=False, max_entries=8)
def catalog(version: str) -> Catalog:
    return catalog_module.load(cursor())


@st.cache_data(show_spinner=False, max_entries=8)
def batches(version: str):
    return ingest.list_batches(cursor())


@st.cache_data(show_spinner=False, max_entries=8)
def current_rules(version: str) -> rb.RuleBook:
    return rb.current(cursor())
