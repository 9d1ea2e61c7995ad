"""The renderer every form uses (settings.FORM_RENDERER).

Django ships each of its form templates (fields, labels, widgets, error lists: the names under
`django/forms/`) twice, once in its template language and once for Jinja2, with the same
markup. Those are rendered here from the Jinja2 copies, which do the same work in a fraction
of the time: the profile form's nine fields went from most of the page's time to a small part
of it. Any other template a form or field names (a field's own `template_name`, such as
`includes/checkbox_field.html`) is still found in the project's templates, as Django's
TemplatesSetting renderer finds it.
"""

from functools import cached_property

from django.forms.renderers import Jinja2, TemplatesSetting

DJANGO_FORM_TEMPLATES = "django/forms/"


class PortalFormRenderer(Jinja2):
    @cached_property
    def project_templates(self) -> TemplatesSetting:
        return TemplatesSetting()

    def get_template(self, template_name):
        if template_name.startswith(DJANGO_FORM_TEMPLATES):
            return super().get_template(template_name)
        return self.project_templates.get_template(template_name)
