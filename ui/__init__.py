"""Streamlit helpers: the connection, cached queries, filters, Chinese labels and shared components."""
