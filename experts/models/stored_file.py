from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    """The bytes of one private upload (an expert's CV), kept in the database so that every web
    node and worker reads the same file, and a database backup carries it."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    content = models.BinaryField(_("content"))
    size = models.PositiveIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size=models.functions.Length("content")),
                name="stored_file_size_matches_content",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.size} bytes)"
