"""Compatible APIs: thin translations of other tools' import calls onto Assay's import service."""
