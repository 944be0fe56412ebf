"""Pure metric code: no Streamlit import anywhere under this package."""
