"""The validator page's three ways in: text pasted, a file uploaded, a repository's URL."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from communs.publiccode import remote
from communs.publiccode.yamltree import MAX_BYTES

MAX_KIB = MAX_BYTES // 1024

# Why a repository's file could not be fetched, in the reader's language.
REMOTE_REASONS = {
    remote.INVALID_URL: _("This is not a valid web address."),
    remote.NOT_HTTP: _("Only http:// and https:// addresses are accepted."),
    remote.CREDENTIALS: _("Give the address without a user name or password."),
    remote.PORT: _("Only addresses on the standard ports (80 and 443) are accepted."),
    remote.PRIVATE: _(
        "This address leads to a private or local network: Communs does not fetch it."
    ),
    remote.NOT_A_REPOSITORY: _(
        "Give the address of a repository, such as https://gitlab.com/group/project."
    ),
    remote.UNREACHABLE: _("The forge could not be reached, or did not answer in time."),
    remote.NOT_FOUND: _("The repository has no publiccode.yml at the root of its default branch."),
    remote.HTTP_STATUS: _("The forge refused to give the file."),
}


def too_large_message() -> str:
    return str(_("The file is over %(size)d KiB: Communs does not read it.") % {"size": MAX_KIB})


class PasteForm(forms.Form):
    content = forms.CharField(
        label=_("Content of publiccode.yml"),
        widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "false", "class": "code"}),
        # Django counts characters and strips nothing we want kept (indentation matters).
        strip=False,
        error_messages={"required": _("Paste the content of a publiccode.yml file.")},
    )

    def clean_content(self) -> str:
        content: str = self.cleaned_data["content"]
        if len(content.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        # Browsers send line ends as CRLF; the lines shown should be the lines typed.
        return content.replace("\r\n", "\n")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("A publiccode.yml file"),
        help_text=_("At most %(size)d KiB, encoded in UTF-8.") % {"size": MAX_KIB},
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The file is empty."),
        },
        allow_empty_file=False,
    )

    def clean_file(self) -> str:
        """The file's text (the form's value is the text, not the upload)."""
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        data = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        try:
            return data.decode("utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                _(
                    "The file is not UTF-8 text (byte %(position)d cannot be read): "
                    "save it as UTF-8 and try again."
                )
                % {"position": error.start + 1}
            ) from None


class RepositoryForm(forms.Form):
    url = forms.CharField(
        label=_("Address of the repository"),
        help_text=_(
            "Communs fetches publiccode.yml at the root of its default branch "
            "(GitHub, GitLab, Gitea, Forgejo, Bitbucket, SourceHut)."
        ),
        max_length=600,
        widget=forms.URLInput(attrs={"placeholder": "https://gitlab.com/group/project"}),
        error_messages={"required": _("Give the address of a repository.")},
    )

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"].strip()
        try:
            # The form only checks the address's shape; the port is checked again once
            # the forge behind it is known (a forge Communs lists may use another).
            remote.check_repository_url(url, any_port=True)
        except remote.RemoteError as error:
            raise forms.ValidationError(REMOTE_REASONS[error.reason]) from None
        return url
