"""The only Streamlit-aware helpers outside pages: session state, escaping, small render helpers."""
