"""Widgets the tabs share: CSV downloads, and exports built only when asked for."""

from __future__ import annotations

from collections.abc import Callable, Hashable

import streamlit as st


def csv_download(label: str, data: bytes, *, file_name: str, key: str) -> None:
    """A download button for CSV bytes, styled the same in every tab."""
    st.download_button(
        label,
        data=data,
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        key=key,
    )


def export_on_request(
    prepare_label: str,
    *,
    request: Hashable,
    csv: Callable[[], bytes],
    download_label: str,
    file_name: str,
    prefix: str,
) -> None:
    """A "prepare" button, then a download of ``csv()`` for the ``request`` it was pressed for.

    The full list can be large, so it is fetched only on request, and only for the
    inputs (filters, coefficients, ...) in force when the button was pressed: change
    them and the download disappears until asked for again. Widget and state keys are
    ``<prefix>_prepare_export``, ``<prefix>_export_for`` and ``<prefix>_download``.
    """
    if st.button(prepare_label, key=f"{prefix}_prepare_export"):
        st.session_state[f"{prefix}_export_for"] = request
    if st.session_state.get(f"{prefix}_export_for") == request:
        csv_download(download_label, csv(), file_name=file_name, key=f"{prefix}_download")
