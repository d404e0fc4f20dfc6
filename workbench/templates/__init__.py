"""Shared templates: notebooks as repeatable analyses, listed from the notebooks themselves and run
headless into dated report folders (executed notebook, offline HTML, provenance).

>>> from workbench.templates import load_catalogue
>>> "strategic_risk_assessment" in load_catalogue(use_settings=False).names()
True
"""

from workbench.templates.catalogue import Catalogue, builtin_dir, load_catalogue, template_name
from workbench.templates.notebook import Template, TemplateError, content_hash, read_template
from workbench.templates.parameters import TemplateParameter, TemplateParamError, parse_parameters
from workbench.templates.runner import TemplateRun, report_root, run_template

__all__ = ["Catalogue", "Template", "TemplateError", "TemplateParamError", "TemplateParameter", "TemplateRun",
           "builtin_dir", "content_hash", "load_catalogue", "parse_parameters", "read_template", "report_root",
           "run_template", "template_name"]
