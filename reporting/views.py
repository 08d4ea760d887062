from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from portal.listing import paginate
from portal.scoping import get_visible_or_404

from .models import Job


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    qs = Job.objects.visible_to(request.user).select_related("created_by")
    return render(request, "reporting/job_list.html", paginate(request, qs, per_page=30))


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(Job.objects.all(), request.user, pk=pk)
    template = "reporting/_job_status.html" if request.htmx else "reporting/job_detail.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})


@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = get_visible_or_404(Job.objects.all(), request.user, pk=pk)
    if not job.output:
        raise Http404
    filename = (job.output.name or "").rsplit("/", 1)[-1]
    return FileResponse(job.output.open("rb"), as_attachment=True, filename=filename)
