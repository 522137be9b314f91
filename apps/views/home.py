import streamlit as st
from _registry import PAGES

st.title("decisionkit dashboard")
st.markdown(
    "Each page answers one decision question: it shows the recommendation first, then the "
    "evidence behind it, then the settings you can change. Every page works at once on "
    "built-in example data; *Your data* takes your own."
)
for spec in PAGES:
    if spec.built:
        st.page_link(spec.path, label=spec.title, icon=spec.icon)
    else:
        st.markdown(f"**{spec.title}** *(coming soon)*")
    st.caption(spec.question)
