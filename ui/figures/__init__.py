"""Plotly figure builders: pure functions of frames in the house style (ui/charts.py), testable without Streamlit."""
