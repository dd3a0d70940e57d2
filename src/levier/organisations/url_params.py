from levier.core.tenancy import register_url_param

from .models import Membership, Service

register_url_param("org", lambda org: org.slug)
register_url_param(
    "service", lambda org: Service.objects.filter(organisation=org).values_list("pk", flat=True).first()
)
register_url_param(
    "membership", lambda org: Membership.objects.filter(organisation=org).values_list("pk", flat=True).first()
)
