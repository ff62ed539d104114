"""The catalogue's write forms: what agents and moderators submit, validated here.

Every text a person types is checked on the server, whatever the browser did:

- plain text (use cases, audiences, reasons, messages) is passed through nh3 with no
  tag allowed, so no markup is ever stored, and Django escapes it again when shown;
- Markdown (descriptions) is kept as written and only ever shown through
  ``communs.markup``, which renders it without raw HTML and cleans it with nh3;
- texts shown on public pages may not hold an e-mail address (the catalogue never
  shows one), and addresses typed in URL fields must be ``http`` or ``https``.
"""

from __future__ import annotations

import html
from typing import Any

import nh3
from django import forms
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from communs.catalogue.models import (
    MAX_PACKAGES,
    Category,
    Environment,
    Instance,
    Referent,
    Software,
    SoftwareType,
    Status,
    Usage,
    parse_package,
    validate_wikidata_id,
)
from communs.catalogue.weburls import has_user_info, is_local_url
from communs.sources.models import Organisation
from communs.web.present import contains_email, free_slug

MAX_TEXT = 2000
MAX_MESSAGE = 5000
_http_only = URLValidator(schemes=["http", "https"])


def plain_text(value: str) -> str:
    """``value`` with every HTML tag removed by nh3 (the text between tags is kept)."""
    cleaned = nh3.clean(value, tags=set(), clean_content_tags={"script", "style"})
    # nh3 answers HTML; stored text is plain, and templates escape it once when shown.
    return html.unescape(cleaned).strip()


def refuse_email(value: str) -> None:
    if contains_email(value or ""):
        raise forms.ValidationError(
            _("Do not write e-mail addresses here: this text is shown on public pages."),
            code="email_in_public_text",
        )


def formfield(field, **kwargs: Any) -> forms.Field | None:
    """Model fields as form fields; addresses typed without a scheme get https://."""
    from django.db import models

    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class CleanTextMixin:
    """Sanitises the fields named in ``plain_fields`` and refuses addresses in
    ``public_fields`` (plain or Markdown)."""

    plain_fields: tuple[str, ...] = ()
    public_fields: tuple[str, ...] = ()
    url_fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean()  # type: ignore[misc]
        for name in self.plain_fields:
            if isinstance(data.get(name), str):
                data[name] = plain_text(data[name])
        for name in self.public_fields:
            try:
                refuse_email(data.get(name) or "")
            except forms.ValidationError as error:
                self.add_error(name, error)  # type: ignore[attr-defined]
        for name in self.url_fields:
            if data.get(name):
                try:
                    _http_only(data[name])
                except forms.ValidationError:
                    self.add_error(  # type: ignore[attr-defined]
                        name, _("Only http:// and https:// addresses are accepted.")
                    )
                    continue
                if has_user_info(data[name]):
                    self.add_error(  # type: ignore[attr-defined]
                        name, _("Give the address without a user name or password.")
                    )
                elif is_local_url(data[name]):
                    self.add_error(  # type: ignore[attr-defined]
                        name, _("This address leads to a private or local network.")
                    )
        return data


class OrganisationField(forms.ModelChoiceField):
    """An organisation given by its key (as in /organisations/KEY/)."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Organisation"))
        kwargs.setdefault(
            "help_text", _("Its key, as in the address of its page (/organisations/KEY/).")
        )
        kwargs.setdefault("required", False)
        super().__init__(
            queryset=Organisation.objects.all(),
            to_field_name="key",
            error_messages={"invalid_choice": _("No organisation has this key.")},
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Organisation):
            return value.key
        if isinstance(value, int):
            return Organisation.objects.filter(pk=value).values_list("key", flat=True).first()
        return super().prepare_value(value)


def unique_slug(name: str, exclude_pk: int | None = None) -> str:
    """A slug for ``name`` no other software has (``-2``, ``-3``… when taken)."""
    base = slugify(name)[:180] or "software"
    taken = set(
        Software.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    return free_slug(base, taken)


class SoftwareFieldsMixin(CleanTextMixin):
    plain_fields = ("name", "function")
    public_fields = ("name", "function", "description_fr", "description_en")
    url_fields = ("website", "repository_url", "logo_url")

    def clean_name(self) -> str:
        name = plain_text(self.cleaned_data["name"])  # type: ignore[attr-defined]
        if not name:
            raise forms.ValidationError(_("Give the software's name."))
        others = Software.objects.filter(name__iexact=name)
        if self.instance.pk:  # type: ignore[attr-defined]
            others = others.exclude(pk=self.instance.pk)  # type: ignore[attr-defined]
        if others.exists():
            raise forms.ValidationError(_("Software with this name is in the catalogue already."))
        return name

    def clean_wikidata_id(self) -> str:
        value = (self.cleaned_data.get("wikidata_id") or "").strip().upper()  # type: ignore[attr-defined]
        validate_wikidata_id(value)
        return value


class ProposeForm(SoftwareFieldsMixin, forms.ModelForm):
    """What an agent gives to propose software; moderators complete the rest."""

    class Meta:
        model = Software
        formfield_callback = formfield
        fields = [
            "name",
            "function",
            "description_fr",
            "description_en",
            "licence",
            "website",
            "repository_url",
            "wikidata_id",
        ]
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 5}),
            "description_en": forms.Textarea(attrs={"rows": 5}),
        }


class PackagesField(forms.Field):
    """Package URLs, one a line (``pkg:npm/left-pad``), stored version-less."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value or ""

    def to_python(self, value: Any) -> list[str]:
        from packageurl import PackageURL

        found: list[str] = []
        for line in str(value or "").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                purl_type, namespace, name = parse_package(line)
            except ValueError:
                raise forms.ValidationError(
                    _("%(value)s is not a package URL (pkg:npm/left-pad, pkg:pypi/django)."),
                    params={"value": line[:100]},
                    code="invalid_package",
                ) from None
            purl = PackageURL(type=purl_type, namespace=namespace or None, name=name)
            if purl.to_string() not in found:
                found.append(purl.to_string())
        if len(found) > MAX_PACKAGES:
            raise forms.ValidationError(
                _("Give at most %(count)d package URLs."), params={"count": MAX_PACKAGES}
            )
        return found


class SoftwareEditForm(SoftwareFieldsMixin, forms.ModelForm):
    """What moderators edit. Dereferencing has its own form (a reason is required)."""

    packages = PackagesField(
        label=_("Packages"),
        required=False,
        help_text=_(
            "The packages it is published as, one package URL a line (pkg:npm/left-pad, "
            "pkg:pypi/django, pkg:maven/org.example/lib): repositories that declare one "
            "of them are listed as depending on it."
        ),
    )

    environments = forms.MultipleChoiceField(
        label=_("Environments"),
        choices=Environment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Status.OBSERVATION, Status.OBSERVATION.label),
            (Status.RECOMMENDED, Status.RECOMMENDED.label),
        ],
    )
    software_type = forms.ChoiceField(
        label=_("Type"), choices=[("", "—"), *SoftwareType.choices], required=False
    )
    parent = forms.ModelChoiceField(
        label=_("Parent software"),
        queryset=Software.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.TextInput,
        help_text=_("For a plugin: the key of the software it extends, as in its address."),
        error_messages={"invalid_choice": _("No software has this key.")},
    )

    class Meta:
        model = Software
        formfield_callback = formfield
        fields = [
            "name",
            "function",
            "description_fr",
            "description_en",
            "licence",
            "website",
            "repository_url",
            "logo_url",
            "environments",
            "software_type",
            "version_recommended",
            "version_minimal",
            "status",
            "wikidata_id",
            "comptoir_id",
            "parent",
            "packages",
        ]
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 8}),
            "description_en": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.status == Status.DEREFERENCED:
            # Editing a dereferenced entry keeps its status; reinstating is a choice.
            self.fields["status"].choices = [
                (Status.DEREFERENCED, Status.DEREFERENCED.label),
                *self.fields["status"].choices,
            ]
        self.fields["parent"].queryset = Software.objects.exclude(pk=self.instance.pk)

    def clean_environments(self) -> list[str]:
        chosen = set(self.cleaned_data.get("environments") or [])
        # Stored in the order of the choices, so a diff shows only real changes.
        return [code for code in Environment.values if code in chosen]

    def clean_parent(self) -> Software | None:
        parent = self.cleaned_data.get("parent")
        node, seen = parent, {self.instance.pk}
        while node is not None:
            if node.pk in seen:
                raise forms.ValidationError(_("Software cannot be its own parent."))
            seen.add(node.pk)
            node = node.parent
        return parent

    def save(self, commit: bool = True) -> Software:
        software = super().save(commit=False)
        if software.status != Status.DEREFERENCED:
            software.dereferenced_reason = ""
            software.dereferenced_on = None
        if commit:
            software.save()
        return software


class CategoriseForm(forms.ModelForm):
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=Category.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Software
        formfield_callback = formfield
        fields = ["categories"]


class DereferenceForm(CleanTextMixin, forms.Form):
    plain_fields = ("reason", "last_recommended_version")
    public_fields = ("reason",)

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_TEXT
    )
    dereferenced_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_recommended_version = forms.CharField(
        label=_("Last recommended version"), max_length=100, required=False
    )

    def clean_dereferenced_on(self):
        day = self.cleaned_data["dereferenced_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class CategoryForm(CleanTextMixin, forms.ModelForm):
    plain_fields = ("name_fr", "name_en")
    public_fields = ("name_fr", "name_en")

    slug = forms.SlugField(
        label=_("Key"),
        max_length=120,
        required=False,
        help_text=_("Letters, digits and hyphens; made from the French name when empty."),
    )

    class Meta:
        model = Category
        formfield_callback = formfield
        fields = ["name_fr", "name_en", "slug", "parent"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("slug") and data.get("name_fr"):
            data["slug"] = slugify(data["name_fr"])[:120]
        slug = data.get("slug")
        if slug and Category.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            self.add_error("slug", _("Another category has this key."))
        return data


class UsageForm(CleanTextMixin, forms.ModelForm):
    plain_fields = ("use_case", "version", "os")
    public_fields = ("use_case",)
    url_fields = ("service_url",)

    organisation = OrganisationField()

    class Meta:
        model = Usage
        formfield_callback = formfield
        fields = ["organisation", "use_case", "version", "os", "service_url"]
        widgets = {"use_case": forms.Textarea(attrs={"rows": 3, "maxlength": MAX_TEXT})}

    def clean_use_case(self) -> str:
        return (self.cleaned_data.get("use_case") or "")[:MAX_TEXT]


class ReferentForm(CleanTextMixin, forms.ModelForm):
    plain_fields = ("use_case",)
    public_fields = ("use_case",)

    organisation = OrganisationField()

    class Meta:
        model = Referent
        formfield_callback = formfield
        fields = ["is_expert", "use_case", "organisation"]
        labels = {"is_expert": _("I am an expert: I can answer technical questions")}
        widgets = {"use_case": forms.Textarea(attrs={"rows": 3, "maxlength": MAX_TEXT})}

    def clean_use_case(self) -> str:
        return (self.cleaned_data.get("use_case") or "")[:MAX_TEXT]


class InstanceForm(CleanTextMixin, forms.ModelForm):
    plain_fields = ("name", "description", "audience")
    public_fields = ("name", "description", "audience")
    url_fields = ("url",)

    organisation = OrganisationField()

    class Meta:
        model = Instance
        formfield_callback = formfield
        fields = ["name", "url", "organisation", "description", "audience", "public"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3, "maxlength": MAX_TEXT}),
            "audience": forms.Textarea(attrs={"rows": 2, "maxlength": MAX_TEXT}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("description", "audience"):
            if isinstance(data.get(name), str):
                data[name] = data[name][:MAX_TEXT]
        if "name" in data and not data["name"]:
            self.add_error("name", _("Give the service's name."))
        return data


class ContactForm(CleanTextMixin, forms.Form):
    """A message to a software's referents; their addresses are never shown."""

    plain_fields = ("subject", "message")

    subject = forms.CharField(label=_("Subject"), max_length=150)
    message = forms.CharField(
        label=_("Message"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": MAX_MESSAGE}),
    )
    share_address = forms.BooleanField(
        label=_("Let the referents answer me by e-mail (they will see my address)"),
        required=False,
        help_text=_(
            "Unticked, the referents see your name and organisation but not your "
            "address, and cannot answer by e-mail."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Headers must not be split by line ends typed in the subject.
        if data.get("subject"):
            data["subject"] = " ".join(data["subject"].split())
        for name in ("subject", "message"):
            if name in data and not data[name]:
                self.add_error(name, _("This field is required."))
        return data


class HandOverForm(forms.Form):
    """The colleague's address, typed: the page offers no list of people to choose from."""

    colleague = forms.EmailField(
        label=_("Your colleague's e-mail address"),
        max_length=254,
        help_text=_("The address they use on this site, in a public administration's domain."),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_colleague(self) -> str:
        address = self.cleaned_data["colleague"].strip()
        # Saying so reveals nothing: the referent knows their own addresses.
        if (
            self.user is not None
            and self.user.emailaddress_set.filter(email__iexact=address).exists()
        ):
            raise forms.ValidationError(_("This is your own address: give your colleague's."))
        return address


class LogoForm(forms.Form):
    """A logo to upload, checked by its content (``communs.catalogue.logos``), or the
    current one removed."""

    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_(
            "A PNG, JPEG, WebP or GIF image, %(kb)d KB and 2048×2048 pixels at most. "
            "It is converted to PNG."
        ),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
    )
    remove = forms.BooleanField(label=_("Remove the current logo"), required=False)

    def __init__(self, *args: Any, has_logo: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from communs.catalogue import logos

        if not has_logo:
            # Nothing to remove: the image is the one thing to give.
            del self.fields["remove"]
            self.fields["logo"].required = True
            self.fields["logo"].error_messages["required"] = _("Choose an image.")
        self.fields["logo"].help_text = self.fields["logo"].help_text % {
            "kb": logos.max_bytes() // 1024
        }

    def clean_logo(self) -> bytes | None:
        """The logo re-encoded as PNG bytes (None when no file was sent)."""
        from communs.catalogue import logos

        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        limit = logos.max_bytes()
        # Read no more than the limit allows: a larger file is refused unread.
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large: %(kb)d KB at most."), params={"kb": limit // 1024}
            )
        data = upload.read(limit + 1)
        try:
            return logos.normalise_logo(data, limit)
        except logos.LogoRefused as refusal:
            raise forms.ValidationError(str(refusal), code=refusal.code) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("logo") and not data.get("remove") and not self.errors:
            self.add_error("logo", _("Choose an image, or tick the box to remove the logo."))
        return data
