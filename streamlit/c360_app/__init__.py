"""The c360 Streamlit app's modules: data access, queries, charts and one module per tab.

Never add an ``__init__.py`` to the ``streamlit/`` folder itself: a package named
``streamlit`` would shadow the Streamlit library.
"""
